"""What /proc tells of a process: whether it still runs, and its parent and process group.

A process's state, parent and group are the first fields after its command name, which is in
parentheses and may itself hold spaces or parentheses: they are read after the last ")".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")
ZOMBIE = "Z"  # ended, not yet reaped by its parent


def _fields(stat: Path) -> list[str] | None:
    """State, parent, group, ... of the process whose stat file this is; None once it is gone."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _every_process() -> Iterator[tuple[int, list[str]]]:
    for stat in PROC.glob("[0-9]*/stat"):
        if (fields := _fields(stat)) is not None:
            yield int(stat.parent.name), fields


def running(pid: int) -> bool:
    """Whether the process is there and has not ended (a zombie has)."""
    fields = _fields(PROC / str(pid) / "stat")
    return fields is not None and fields[0] != ZOMBIE


def ended_children(parent: int) -> list[int]:
    """The children of `parent` that have ended and wait to be reaped (zombies)."""
    return [
        pid for pid, fields in _every_process() if fields[0] == ZOMBIE and int(fields[1]) == parent
    ]


def group_members(group: int) -> list[int]:
    """The live processes (zombies excluded) of a process group."""
    return [
        pid for pid, fields in _every_process() if int(fields[2]) == group and fields[0] != ZOMBIE
    ]
