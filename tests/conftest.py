"""Session fixtures: the local cloud, started once (or reused), and the stack deployed once.

`make test` runs the tests in parallel workers (pytest-xdist, one file per worker at a time)
against one local cloud: the first worker to need the cloud or the stack starts or deploys it
while holding a file lock; the others wait on the lock and reuse what it left (the stack's
outputs in a file of this run's temporary folder). Test files that change what a workflow's
other tests rely on (a deleted topic or table, the submission throttle's burst, the SES sender's
verification, the comms schedule's failed list) run one after another on one worker: each
workflow's end-to-end folder, with its privacy test, is one unit of scheduling.

The local cloud's clock is the instance's, shared by every worker: every test using the local
cloud holds a lock of the run shared (`clock_lock`), and a test moves the clock with `move_clock`,
which holds it exclusively for the move. So the clock moves only while no other test runs: no
test sees time jump under it, and the mover's own waits after the move overlap other tests.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from devkit import stack as stack_tool
from devkit.local_cloud import advance_clock, start_local_cloud
from support.clock_lock import held_for_a_test, moved_alone


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


# The privacy tests' files, by the workflow whose shared state they use.
PRIVACY_TESTS_OF = {
    "test_no_personal_data_anywhere.py": "prescreening",
    "test_payroll_keeps_pay_private.py": "payroll",
    "test_approval_keeps_the_approver_private.py": "approval",
    "test_reports_and_comms_keep_people_private.py": "comms",
}


def scheduling_unit(nodeid: str) -> str:
    """What must stay on one worker: a workflow's end-to-end tests, or else one test file."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if parts[:2] == ["tests", "e2e"] and len(parts) > 3:
        workflow = PRIVACY_TESTS_OF.get(parts[-1], parts[2]) if parts[2] == "privacy" else parts[2]
        return f"tests/e2e/{workflow}"
    return path


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class WorkflowScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_unit(nodeid)

    return WorkflowScheduling(config, log)


@pytest.fixture(autouse=True)
def clock_lock(request, tmp_path_factory) -> Iterator[IO | None]:
    """The run's clock lock, held shared for the test if it uses the local cloud."""
    if "local_cloud" not in request.fixturenames:
        yield None
        return
    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its workers
    with held_for_a_test(shared, "move_clock" in request.fixturenames) as lock:
        yield lock


@pytest.fixture
def move_clock(local_cloud, clock_lock) -> Callable[[str], dict]:
    """move(duration): the local cloud's clock moved forward by an ISO 8601 duration ("PT1M")
    while no other test of the run is running; its new reading."""
    return lambda duration: moved_alone(clock_lock, lambda: advance_clock(duration))


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory) -> None:
    once_per_run(tmp_path_factory, "local-cloud", start_local_cloud)


@pytest.fixture(scope="session")
def stack_outputs(local_cloud, tmp_path_factory) -> dict[str, str]:
    """The product stack, deployed into the local cloud; its outputs by name."""
    return once_per_run(tmp_path_factory, "stack-outputs", stack_tool.deploy_local)
