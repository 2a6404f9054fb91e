"""The sample events in events/: what `make invoke` and `sam local invoke` send, and what the
unit tests run each function's handler on (so an event cannot drift from its handler)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample_event(name: str) -> Any:
    """events/<name>.json, e.g. sample_event("prescreening-validate")."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def sample_event_names() -> list[str]:
    return sorted(path.stem for path in EVENTS.glob("*.json"))
