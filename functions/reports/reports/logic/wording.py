"""How the requester's emails say a duration: "1 hour", "15 minutes", "90 seconds"."""

from __future__ import annotations

UNITS = (("hour", 3600), ("minute", 60), ("second", 1))


def duration(seconds: int) -> str:
    """The largest unit that counts the seconds exactly, singular for one."""
    for unit, size in UNITS:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
