"""make invoke on the deployed stack: every sample event resolves to the stack's own resources,
and a payroll event runs its function there (devkit.invoke)."""

from __future__ import annotations

import json
import subprocess

import pytest

from devkit import PROJECT
from devkit.invoke import PLACEHOLDER, event_payload
from devkit.local_cloud import client
from support.events import EVENTS, sample_event_names

pytestmark = pytest.mark.localcloud


@pytest.mark.parametrize("name", sample_event_names())
def test_every_sample_event_resolves_against_the_stack(stack_outputs, name):
    # GIVEN the deployed stack WHEN make invoke reads an event
    path = EVENTS / f"{name}.json"
    event = json.loads(event_payload(str(path), lambda: stack_outputs))
    # THEN each resource it names is one of the stack's, which exists
    for output in set(PLACEHOLDER.findall(path.read_text())):
        assert stack_outputs[output] in json.dumps(event)
        if output.endswith("BucketName"):
            client("s3").head_bucket(Bucket=stack_outputs[output])


def test_make_invoke_runs_process_data_on_its_sample_event(stack_outputs):
    # GIVEN the timesheet the sample event names, uploaded to the stack's raw-data bucket
    key = json.loads((EVENTS / "payroll-process-data.json").read_text())["key"]
    client("s3").upload_file(
        str(PROJECT / "samples" / "timesheet.csv"), stack_outputs["RawDataBucketName"], key
    )
    # WHEN make invoke runs ProcessData with the sample event, as the README shows
    ran = subprocess.run(
        [
            "make",
            "-s",
            "invoke",
            "FN=PayrollProcessDataFunction",
            "EVENT=events/payroll-process-data.json",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # THEN the function read it from the stack's bucket: four employees, no error
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads(ran.stdout.split("--- result ---", 1)[1])
    assert result["processedData"]["employees"] == 4, result


def test_make_invoke_without_an_event_says_how_to_use_it():
    ran = subprocess.run(
        ["make", "-s", "invoke", "FN=PayrollProcessDataFunction"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 2
    assert ran.stdout.strip() == "usage: make invoke FN=<logical id> EVENT=events/<file>.json"
