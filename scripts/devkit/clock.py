"""devkit clock [ADVANCE]: read the local cloud's clock, or move it forward (make clock).

ADVANCE is an ISO 8601 duration (PT24H, P1DT2H) or the short form 24h, 90m, 1d2h, 30s.
"""

from __future__ import annotations

import json
import re
import sys

from devkit.local_cloud import advance_clock, clock

_SHORT = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def iso_duration(text: str) -> str:
    """An ISO 8601 duration from the short form ("24h" -> "PT24H"); other text as it is."""
    found = _SHORT.fullmatch(text.strip().lower())
    if not found or not any(found.groups()):
        return text
    days, hours, minutes, seconds = found.groups()
    time_part = "".join(
        f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n
    )
    return "P" + (f"{days}D" if days else "") + (f"T{time_part}" if time_part else "")


def main(arguments: list[str]) -> int:
    if len(arguments) > 1:
        sys.exit(__doc__)
    try:
        reading = advance_clock(iso_duration(arguments[0])) if arguments else clock()
    except ValueError as refused:
        sys.exit(f"the clock refused: {refused}")
    print(json.dumps(reading))
    return 0
