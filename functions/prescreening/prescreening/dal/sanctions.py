"""The sanctions list the stack holds (shipped with the code, read once per process)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from prescreening.logic.identity import SanctionedPerson

SANCTIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "sanctions.json"


@cache
def sanctioned_people() -> tuple[SanctionedPerson, ...]:
    listed = json.loads(SANCTIONS_FILE.read_text())["people"]
    return tuple(
        SanctionedPerson(name=p["name"], date_of_birth=p.get("dateOfBirth")) for p in listed
    )
