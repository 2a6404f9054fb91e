"""Session fixtures: the local cloud, started once (or reused), and the stack deployed once.

`make test` runs the tests in parallel workers (pytest-xdist, one file per worker at a time)
against one local cloud: the first worker to need the cloud or the stack starts or deploys it
while holding a file lock; the others wait on the lock and reuse what it left (the stack's
outputs in a file of this run's temporary folder).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import stack as stack_tool
from support.localcloud import start_local_cloud


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def once_per_run[T](tmp_path_factory, name: str, make: Callable[[], T]) -> T:
    """make(), run by one worker of this test run; the others get its JSON result."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make()
    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its workers
    result = shared / f"{name}.json"
    with _locked(shared / f"{name}.lock"):
        if result.exists():
            return json.loads(result.read_text())
        value = make()
        result.write_text(json.dumps(value))
        return value


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory) -> None:
    once_per_run(tmp_path_factory, "local-cloud", start_local_cloud)


@pytest.fixture(scope="session")
def stack_outputs(local_cloud, tmp_path_factory) -> dict[str, str]:
    """The product stack, deployed into the local cloud; its outputs by name."""
    return once_per_run(tmp_path_factory, "stack-outputs", stack_tool.deploy_local)
