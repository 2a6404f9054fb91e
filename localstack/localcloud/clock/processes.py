"""The processes the local cloud starts (Lambda functions, ECS tasks' containers) on its clock.

Their time comes from libfaketime (the pinned `libfaketime` wheel ships `libfaketime.so.1`),
preloaded into each process: it reads the clock's offset from a file (`+<seconds>`, libfaketime's
relative form) that `write_offset` rewrites on every move. A process rereads it on its first
reading of the time in a later whole second of the host's than its last reading of the file
(cache duration 0), so `move_processes` returns only once that second has begun: once a move is
answered, every process reads the moved time, as every caller does (a token dated on the moved
clock is not refused as "not yet valid" by a function still on the old one). Monotonic clocks
stay the host's (FAKETIME_DONT_FAKE_MONOTONIC): sleeps, timeouts and durations never jump.

libfaketime names a POSIX semaphore and shared memory after each process it starts in, and
a killed process (or a Python one) leaves them in /dev/shm: `reaped(pid)` removes them, and
`forget_the_dead` those of processes a stopped instance took with it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import math
import os
import tempfile
import threading
import time
from pathlib import Path

from localcloud.clock.clock import CLOCK
from localcloud.support import procfs

LOG = logging.getLogger(__name__)
# libfaketime rereads the file once the host's whole second differs by more than this from
# that of its last reading: 0, at the start of each second (at most once a second).
CACHE_SECONDS = 0
# Past the start of that second: libfaketime compares the host's whole seconds, never rounded.
MARGIN_SECONDS = 0.005
LIBRARY = Path("vendor", "libfaketime", "src", "libfaketime.so.1")
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 (where POSIX shared memory lives; read, not made)
_WRITING = threading.Lock()


@functools.cache
def _library() -> Path | None:
    spec = importlib.util.find_spec("libfaketime")  # found, not imported
    library = Path(spec.origin).parent / LIBRARY if spec and spec.origin else None
    if library is None or not library.is_file():
        LOG.warning("libfaketime not installed ('make setup'): functions run on the host's clock")
        return None
    return library


def offset_file() -> Path:
    """The file the clock's offset is written to: one per instance (TMPDIR is its own), in a
    folder of its own, which a function's sandbox mounts back into the function's own /tmp when
    the instance's folder lies under /tmp (a project checked out there)."""
    return Path(tempfile.gettempdir(), "localcloud-clock", "offset")


def write_offset() -> None:
    """Tell the processes on the clock its offset; replaced whole, so never read half-written."""
    with _WRITING:  # two moves at once: the later offset is the one left
        target = offset_file()
        target.parent.mkdir(exist_ok=True)
        draft = target.with_suffix(".draft")
        draft.write_text(f"+{CLOCK.offset_seconds:.6f}\n")
        os.replace(draft, target)


def move_processes() -> None:
    """The processes on the clock moved with it: returns once every one of them reads the new
    offset (the host's next whole second has begun)."""
    write_offset()
    written = time.time()
    time.sleep(math.floor(written) + 1 - written + MARGIN_SECONDS)


def environment() -> dict[str, str]:
    """The variables that start a process on the clock (none if libfaketime is missing)."""
    library = _library()
    if library is None:
        return {}
    if not offset_file().exists():
        write_offset()
    return {
        "LD_PRELOAD": str(library),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file()),
        "FAKETIME_CACHE_DURATION": str(CACHE_SECONDS),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def now() -> float:
    """The time the processes started on the clock read, in epoch seconds (the host's without
    libfaketime): what a deadline handed to them (Lambda's) is counted in."""
    return CLOCK.time() if _library() is not None else time.time()


def reaped(pid: int) -> None:
    """Remove what libfaketime left in /dev/shm for a process that has ended."""
    for name in (f"faketime_shm_{pid}", f"sem.faketime_sem_{pid}"):
        with contextlib.suppress(OSError):
            os.unlink(SHARED_MEMORY / name)


def reap_the_ended_children() -> None:
    """Reap this process's children that have ended unwaited (zygotes and ECS containers a
    stop's SIGTERM to the process group ended) and remove what libfaketime left for them: a
    zombie's pid is still in /proc, so `forget_the_dead` would keep its files until the next
    start."""
    for pid in procfs.ended_children(os.getpid()):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        reaped(pid)


def forget_the_dead(folder: Path = SHARED_MEMORY) -> None:
    """Remove what libfaketime left for processes that have ended unreaped (the functions of an
    instance that was stopped)."""
    for path in folder.glob("*faketime_*_*"):
        pid = path.name.rpartition("_")[2]
        if pid.isdigit() and not Path("/proc", pid).exists():
            with contextlib.suppress(OSError):
                path.unlink()
