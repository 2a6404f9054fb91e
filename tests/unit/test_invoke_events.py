"""make invoke's sample events: resource names filled from the stack's outputs, and a usage line
for a call without its event (devkit.invoke)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from devkit import PROJECT
from devkit.invoke import PLACEHOLDER, USAGE, UnknownOutput, event_payload, resolved
from support.events import EVENTS, UNIT_TEST_OUTPUTS, sample_event, sample_event_names
from support.template import read_template


def test_placeholders_are_filled_from_the_outputs():
    event = '{"bucket": "${RawDataBucketName}", "arn": "arn:aws:s3:::${RawDataBucketName}"}'
    filled = json.loads(resolved(event, {"RawDataBucketName": "local-raw-data-1a2b"}))
    assert filled == {"bucket": "local-raw-data-1a2b", "arn": "arn:aws:s3:::local-raw-data-1a2b"}


def test_an_output_the_stack_does_not_have_is_named():
    with pytest.raises(UnknownOutput, match="no output RawDataBucket, Tabel"):
        resolved('{"a": "${Tabel}", "b": "${RawDataBucket}"}', {"RawDataBucketName": "x"})


def test_an_event_without_placeholders_does_not_read_the_outputs(tmp_path):
    event = tmp_path / "health.json"
    event.write_text('{"path": "/health"}')

    def outputs():
        raise AssertionError("the stack's outputs were read for an event that names none")

    assert event_payload(str(event), outputs) == b'{"path": "/health"}'


@pytest.mark.parametrize("name", sample_event_names())
def test_every_sample_event_names_only_outputs_the_stack_has(name):
    # GIVEN the root stack's outputs (its interface) and an event's placeholders
    outputs = read_template(PROJECT / "template.yaml")["Outputs"]
    named = set(PLACEHOLDER.findall((EVENTS / f"{name}.json").read_text()))
    # THEN each is an output, which the unit tests name too (support.events)
    assert named <= set(outputs), f"events/{name}.json: no stack output {named - set(outputs)}"
    assert named <= set(UNIT_TEST_OUTPUTS), f"support.events.UNIT_TEST_OUTPUTS lacks {named}"
    assert "${" not in json.dumps(sample_event(name))


def test_invoke_without_an_event_prints_its_usage():
    ran = subprocess.run(
        [sys.executable, "-m", "devkit", "invoke", "PayrollProcessDataFunction"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode != 0
    assert ran.stderr.strip() == USAGE
