"""Fargate's memory limits on a task's host processes, by polling their resident memory.

On Fargate a container over its hard limit (its definition's `memory`), or the task's
containers together over the task's `memory`, is killed by the kernel's OOM killer: exit code
137, reason "OutOfMemoryError: Container killed due to memory usage". A cgroup would do the
same here, but this machine's cgroup v2 hierarchy offers no memory controller (`hugetlb` only)
and the v1 one needs root; RLIMIT_AS caps address space, not resident memory (an interpreter
maps far more than it uses, so it would refuse allocations a container may make). So the
local cloud polls: every POLL_INTERVAL_S it sums each container's process tree's resident set
(RSS) and SIGKILLs the tree of a container over its limit (over the task's: the largest). A
container may go over its limit for up to one interval before it is killed.

CPU is not limited: a task's processes get what the host gives them. Throttling to the task's
vCPUs needs the cgroup CPU controller, which this machine does not offer either; the console
still prices the task's declared vCPUs.
"""

from __future__ import annotations

import contextlib

POLL_INTERVAL_S = 0.1
OUT_OF_MEMORY = "OutOfMemoryError: Container killed due to memory usage"
MIB = 1024 * 1024


def limit_bytes(mib: str | int | None) -> int | None:
    """A task definition's memory (MiB, as text or a number) in bytes; None when unset."""
    return int(mib) * MIB if mib not in (None, "") else None


def over_limit(
    resident: dict[str, int], container_limits: dict[str, int | None], task_limit: int | None
) -> str | None:
    """The container to kill, if any: one over its own hard limit, else, when the containers
    together are over the task's limit, the largest of them."""
    for name, used in resident.items():
        limit = container_limits.get(name)
        if limit is not None and used > limit:
            return name
    if task_limit is not None and resident and sum(resident.values()) > task_limit:
        return max(resident, key=resident.get)
    return None


def _tree(pid: int) -> list:
    import psutil  # LocalStack's environment has it; the unit tests' need only the rules above

    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def resident_bytes(pid: int) -> int:
    """The RSS of a process and every process under it."""
    import psutil

    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_info().rss
    return total


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process under it, as the OOM killer ends a container."""
    import psutil

    for process in reversed(_tree(pid)):
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
