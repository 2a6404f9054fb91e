"""The run's clock lock: the local cloud's clock is the instance's, shared by every test worker,
so it moves only while no other test using the local cloud runs (tests/conftest.py)."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


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
