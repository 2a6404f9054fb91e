"""The schedule's batches: failed communications in groups, each started once per window."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def batches[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def item_concurrency(resend_concurrency: int, batch_count: int, batch_size: int) -> int:
    """How many of its items each of a round's executions re-sends at once: the round as a whole
    asks for about as many re-sends as the re-send function may run, never fewer than one per
    execution. (Every item past that waits out a throttled invoke and tries again: a round of
    100 batches at 10 each would keep 990 items retrying for 10 slots.)"""
    return max(1, min(batch_size, resend_concurrency // max(batch_count, 1)))


def window_seconds(schedule: str) -> int:
    """The period of a rate(...) expression, in seconds."""
    match = RATE.match(schedule.strip())
    if not match:
        raise ValueError(f"not a rate expression: {schedule!r}")
    return int(match.group(1)) * SECONDS[match.group(2).rstrip("s")]


def window_start(now: datetime, period_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period_seconds, UTC)


def execution_name(window: datetime, ids: list[str]) -> str:
    """Comms-<window>-<digest of the batch's ids>: the same batch in the same window is the
    same name, so Step Functions starts it once (80 characters at most)."""
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]
    return f"Comms-{window:%Y%m%dT%H%M}-{digest}"
