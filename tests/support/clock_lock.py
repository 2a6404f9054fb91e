"""The run's clock lock: the local cloud's clock is the instance's, shared by every test worker,
so it moves only while no other test using the local cloud runs (tests/conftest.py).

flock's change from shared to exclusive and back is not atomic (the hold is dropped, then the
new one waited for), so two tests that both move the clock could move it between the other's
reading and its move, or just after its move. Such tests therefore also hold the movers' lock,
one at a time, for their whole run, taken before their shared hold (so a mover never waits for
it while holding the clock lock, which the mover holding it may be waiting to take alone)."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def held_for_a_test(folder: Path, moves_the_clock: bool) -> Iterator[IO]:
    """The holds of one test using the local cloud: the clock lock shared, and first, for a
    test that moves the clock, the movers' lock."""
    with open(folder / "clock-movers.lock", "w") as movers:
        if moves_the_clock:
            fcntl.flock(movers, fcntl.LOCK_EX)  # released when the file closes
        with held_shared(folder / "clock.lock") as lock:
            yield lock


@contextmanager
def held_shared(path: Path) -> Iterator[IO]:
    """Held for a whole test that uses the local cloud."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # released when the file closes, or the worker dies
        yield lock


def moved_alone[T](lock: IO, move: Callable[[], T]) -> T:
    """move(), once every other holder has let go (their tests ended), none starting meanwhile;
    then the lock is held shared again for the rest of this test."""
    fcntl.flock(lock, fcntl.LOCK_EX)  # drops this test's shared hold first, then waits
    try:
        return move()
    finally:
        fcntl.flock(lock, fcntl.LOCK_SH)
