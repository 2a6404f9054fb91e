"""The IAM bench's pure parts: the pre-screening batch it puts on each instance's stream (each
record once) and the instance its dev-tool calls address."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

from devkit.local_cloud import endpoint

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench(name: str):
    # Loaded from their files: bench modules are scripts, not a package on the import path.
    spec = importlib.util.spec_from_file_location(f"{name}_bench", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


iam = _bench("iam")


def _application_ids(entries: list[dict]) -> list[str]:
    return [json.loads(entry["Data"])["applicationId"] for entry in entries]


def test_a_batch_puts_each_application_once_when_asked():
    ids = _application_ids(iam.prescreening.records("run1", 40, copies=1))
    assert len(ids) == 40
    assert len(set(ids)) == 40
    assert all(application_id.startswith("bench-run1-") for application_id in ids)


def test_the_volume_bench_still_puts_each_application_twice():
    copies = Counter(_application_ids(iam.prescreening.records("run2", 5, copies=2)))
    assert len(copies) == 5
    assert set(copies.values()) == {2}


def test_calls_address_the_instance_named_then_the_one_before(monkeypatch):
    monkeypatch.setenv("LOCAL_CLOUD_PORT", "4999")
    with iam.addressed(5123):
        assert endpoint() == "http://127.0.0.1:5123"
    assert endpoint() == "http://127.0.0.1:4999"


def test_no_port_named_before_is_none_after(monkeypatch):
    monkeypatch.delenv("LOCAL_CLOUD_PORT", raising=False)
    with iam.addressed(5123):
        assert endpoint() == "http://127.0.0.1:5123"
    assert endpoint() == "http://127.0.0.1:4566"
