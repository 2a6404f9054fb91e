"""Session fixtures: the local cloud, started once (or reused), and the stack deployed once.

`make test` runs the tests in parallel workers (pytest-xdist, one file per worker at a time)
against one local cloud: the first worker to need the cloud or the stack starts or deploys it
while holding a file lock; the others wait on the lock and reuse what it left (the stack's
outputs in a file of this run's temporary folder). Test files that change what a workflow's
other tests rely on (a deleted topic or table, the submission throttle's burst, the SES sender's
verification, the comms schedule's failed list) run one after another on one worker: each
workflow's end-to-end folder, with its privacy test, is one unit of scheduling.

The local cloud's clock is the instance's, shared by every worker: every test using the local
cloud holds a lock of the run and instance shared (`clock_lock`), and a test moves the clock with
`move_clock`, which holds it exclusively for the move. So the clock moves only while no other test
on its instance runs: no test sees time jump under it, and the mover's own waits after the move
overlap other tests. Tests of the clock itself (marked `clock_tests_cloud`) need no stack: they run
on an instance of their own, started once per run, so they never wait for the other tests to end.

Work is handed out longest first (LONGEST_UNITS), so no worker is left alone with a long unit at
the end of the run while the other sits idle.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from devkit import stack as stack_tool
from devkit.local_cloud import (
    advance_clock,
    cloud,
    free_port,
    instance_folder,
    start_local_cloud,
    this_port,
)
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


# The files of the tests marked clock_tests_cloud: one unit, so that they never wait for each
# other's moves of their instance's clock.
CLOCK_TESTS = {
    f"tests/local_cloud/{name}.py"
    for name in (
        "test_clock",
        "test_clock_scheduler",
        "test_clock_processes",
        "test_dynamodb_ttl",
        "test_iam_sessions",
        "test_s3_lifecycle",
    )
}


def scheduling_unit(nodeid: str) -> str:
    """What must stay on one worker: a workflow's end-to-end tests, the clock tests, or else one
    test file."""
    path = nodeid.split("::", 1)[0]
    if path in CLOCK_TESTS:
        return "the clock tests"
    parts = path.split("/")
    if parts[:2] == ["tests", "e2e"] and len(parts) > 3:
        workflow = PRIVACY_TESTS_OF.get(parts[-1], parts[2]) if parts[2] == "privacy" else parts[2]
        return f"tests/e2e/{workflow}"
    return path


# The scheduling units that take longest (minutes: waits on real queues and on the deployment),
# longest first; but the first worker deploys the stack for the comms tests, so the other runs
# units needing no stack meanwhile (second to fourth) instead of waiting for it.
LONGEST_UNITS = [
    "tests/e2e/comms",
    "the clock tests",
    "tests/local_cloud/test_lifecycle.py",
    "tests/local_cloud/test_iam_enforcement.py",
    "tests/e2e/reports",
    "tests/e2e/payroll",
    "tests/e2e/prescreening",
    "tests/e2e/imports",
    "tests/local_cloud/test_console.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest units first, the rest in the order collected."""
    rank = {unit: place for place, unit in enumerate(LONGEST_UNITS)}
    items.sort(key=lambda item: rank.get(scheduling_unit(item.nodeid), len(rank)))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class WorkflowScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_unit(nodeid)

    # Units in the collected order (longest first), not re-sorted by how many tests they hold.
    config.option.loadscopereorder = False
    return WorkflowScheduling(config, log)


@pytest.fixture(autouse=True)
def clock_lock(request, tmp_path_factory, monkeypatch) -> Iterator[IO | None]:
    """The clock lock of the test's instance, held shared for the test if it uses the local
    cloud; a test marked `clock_tests_cloud` is pointed at the clock tests' instance first."""
    if "local_cloud" not in request.fixturenames:
        yield None
        return
    if request.node.get_closest_marker("clock_tests_cloud"):
        monkeypatch.setenv("LOCAL_CLOUD_PORT", str(request.getfixturevalue("clock_tests_port")))
    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its workers
    locks = shared / f"clock-{this_port()}"
    locks.mkdir(exist_ok=True)
    with held_for_a_test(locks, "move_clock" in request.fixturenames) as lock:
        yield lock


@pytest.fixture
def move_clock(local_cloud, clock_lock) -> Callable[..., dict]:
    """move(duration, first=None): the local cloud's clock moved forward by an ISO 8601 duration
    ("PT1M") while no other test of the run is running; its new reading. `first`, a wait for
    what must hold when the clock jumps, runs once the other tests have let go: checked before
    waiting for them, it could be over by the time of the jump."""

    def move(duration: str, first: Callable[[], object] | None = None) -> dict:
        def jump() -> dict:
            if first:
                first()
            return advance_clock(duration)

        return moved_alone(clock_lock, jump)

    return move


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory) -> None:
    once_per_run(tmp_path_factory, "local-cloud", start_local_cloud)


# --- the clock tests' instance: started by the first worker needing it, stopped at the run's end


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "clock_tests_cloud: runs on the run's instance for tests that move its clock (no stack)",
    )


def start_clock_tests_cloud() -> int:
    """An instance for the clock tests on a free port; the port."""
    port = free_port()
    started = cloud("up", port)
    if started.returncode != 0:
        raise RuntimeError(f"the clock tests' local cloud did not start:\n{started.stderr}")
    return port


CLOCK_TESTS_PORTS: set[int] = set()  # in the process that ends the run: instances to stop


@pytest.fixture(scope="session")
def clock_tests_port(request, tmp_path_factory) -> int:
    """The port of the run's instance for the tests marked `clock_tests_cloud`."""
    port = once_per_run(tmp_path_factory, "clock-tests-cloud", start_clock_tests_cloud)
    if hasattr(request.config, "workeroutput"):  # an xdist worker: tell the controller
        request.config.workeroutput["clock_tests_port"] = port
    else:
        CLOCK_TESTS_PORTS.add(port)
    return port


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    port = getattr(node, "workeroutput", {}).get("clock_tests_port")
    if port:
        CLOCK_TESTS_PORTS.add(port)


def pytest_sessionfinish(session) -> None:
    """Once every worker is done: the clock tests' instance stopped, its folder removed."""
    while CLOCK_TESTS_PORTS:
        port = CLOCK_TESTS_PORTS.pop()
        cloud("down", port)
        shutil.rmtree(instance_folder(port), ignore_errors=True)


@pytest.fixture(scope="session")
def stack_outputs(local_cloud, tmp_path_factory) -> dict[str, str]:
    """The product stack, deployed into the local cloud; its outputs by name."""
    return once_per_run(tmp_path_factory, "stack-outputs", stack_tool.deploy_local)
