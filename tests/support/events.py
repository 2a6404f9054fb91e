"""The sample events in events/: what `make invoke` sends, and what the unit tests run each
function's handler on (so an event cannot drift from its handler). An event names the stack's
resources as ${<stack output name>}, which `make invoke` fills from the deployed stack's outputs
(devkit.invoke.resolved) and the unit tests with the names of their moto resources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devkit.invoke import resolved

EVENTS = Path(__file__).resolve().parents[2] / "events"

# The stack outputs the events name, as the unit tests' moto resources are named
# (tests/unit/conftest.py, tests/unit/payroll/payroll_testkit.py).
UNIT_TEST_OUTPUTS = {
    "RawDataBucketName": "raw-data",
    "ProcessedDataBucketName": "processed-data",
    "PaystubsBucketName": "paystubs",
}


def sample_event(name: str) -> Any:
    """events/<name>.json, e.g. sample_event("prescreening-validate")."""
    return json.loads(resolved((EVENTS / f"{name}.json").read_text(), UNIT_TEST_OUTPUTS))


def sample_event_names() -> list[str]:
    return sorted(path.stem for path in EVENTS.glob("*.json"))
