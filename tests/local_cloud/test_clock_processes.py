"""Lambda functions run on the local cloud's clock (localcloud/clock/processes.py, libfaketime):
what they read as the time, before and after a move, in the same process; their monotonic clock
does not jump; the programs they start are on the clock too; and what libfaketime leaves in
/dev/shm goes with the process."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from devkit.local_cloud import client, clock_time, wait_until

pytestmark = pytest.mark.clock_tests_cloud  # moves the clock: on the clock tests' instance

# What the function sees of the time: Python's two ways, the monotonic clock, a program it
# starts (date) and the time left before its timeout, with its process id to tell it is the
# same process.
WHAT_TIME = """
import datetime, os, subprocess, time


def handler(event, context):
    return {
        "time": time.time(),
        "now": datetime.datetime.now(datetime.UTC).isoformat(),
        "monotonic": time.monotonic(),
        "date": int(subprocess.run(["date", "+%s"], capture_output=True, text=True).stdout),
        "pid": os.getpid(),
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""
# A stopped function's process gone, on a loaded machine.
SECONDS_TO_STOP = 20
# How far a function's time may be from the clock's reading taken just before it is invoked.
TOLERANCE_SECONDS = 30


def what_time(name: str) -> dict:
    answer = client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read())


def test_a_function_sees_the_clock_before_and_after_a_move(lambda_function, move_clock):
    # GIVEN a warm function, on the clock's time (which other tests may have moved already)
    name = lambda_function({"app.py": WHAT_TIME})
    before = what_time(name)
    assert abs(before["time"] - clock_time()) < TOLERANCE_SECONDS

    # WHEN the clock moves an hour forward (less than its role session has left: past that, the
    # environment is retired and a new process takes the next invocation)
    moved_to = datetime.datetime.fromisoformat(move_clock("PT1H")["now"]).timestamp()

    # THEN the same process, invoked as soon as the move is answered, sees the new time through
    # time.time(), datetime.now() and the programs it starts (a token dated on the moved clock
    # at once is not "not yet valid" to an authorizer)
    after = what_time(name)
    assert after["pid"] == before["pid"]
    assert after["time"] >= moved_to
    assert datetime.datetime.fromisoformat(after["now"]).timestamp() >= moved_to
    assert after["date"] >= int(moved_to)  # whole seconds
    # AND its monotonic clock did not jump: durations stay true, and the time left before its
    # timeout (30 s) is counted on its clock
    assert 0 < after["monotonic"] - before["monotonic"] < 86_400
    assert 0 < after["remaining_ms"] <= 30_000


def test_what_libfaketime_keeps_for_a_function_process_goes_with_it(lambda_function):
    # GIVEN a function that runs in an interpreter of its own (its code has a module named like
    # one the runtime's zygote preloads), so libfaketime names its shared memory after it
    name = lambda_function({"app.py": WHAT_TIME, "boto3.py": ""})
    pid = what_time(name)["pid"]
    kept = [Path("/dev/shm", f"faketime_shm_{pid}"), Path("/dev/shm", f"sem.faketime_sem_{pid}")]
    assert all(path.exists() for path in kept)

    # WHEN the function is deleted (its process stopped)
    client("lambda").delete_function(FunctionName=name)

    # THEN its shared memory and semaphore are gone too
    wait_until(
        lambda: not any(path.exists() for path in kept),
        timeout=SECONDS_TO_STOP,
        what="its /dev/shm files gone",
    )
