"""The run's clock lock (tests/support/clock_lock.py): the clock moves only while no other test
holds the lock, and no test starts while it moves."""

from __future__ import annotations

import os
import threading

from support.clock_lock import held_for_a_test, held_shared, moved_alone


def test_the_clock_moves_once_the_other_tests_end_and_none_starts_meanwhile(tmp_path):
    path = tmp_path / "clock.lock"
    happened: list[str] = []
    other_test_runs, other_test_may_end, moving = (threading.Event() for _ in range(3))

    def other_test() -> None:
        with held_shared(path):
            happened.append("other test runs")
            other_test_runs.set()
            other_test_may_end.wait(10)
            happened.append("other test ends")

    def mover() -> None:
        with held_shared(path) as lock:
            moving.set()
            moved_alone(lock, lambda: happened.append("clock moves"))

    # GIVEN a test running, WHEN another moves the clock
    running = threading.Thread(target=other_test)
    running.start()
    assert other_test_runs.wait(10)  # else the mover might take the lock first
    moving_thread = threading.Thread(target=mover)
    moving_thread.start()
    assert moving.wait(10)
    assert "clock moves" not in happened  # waits for the running test (its own hold dropped)
    other_test_may_end.set()
    moving_thread.join(10)
    running.join(10)
    # THEN it moved only after the other test ended
    assert happened == ["other test runs", "other test ends", "clock moves"]


def test_a_test_starting_while_the_clock_moves_waits_for_the_move(tmp_path):
    path = tmp_path / "clock.lock"
    happened: list[str] = []
    inside_the_move, move_may_end = threading.Event(), threading.Event()

    def slow_move() -> None:
        inside_the_move.set()
        move_may_end.wait(10)
        happened.append("clock moved")

    def mover() -> None:
        with held_shared(path) as lock:
            moved_alone(lock, slow_move)

    def next_test() -> None:
        with held_shared(path):
            happened.append("next test starts")

    moving_thread = threading.Thread(target=mover)
    moving_thread.start()
    assert inside_the_move.wait(10)
    starting = threading.Thread(target=next_test)
    starting.start()
    starting.join(0.5)
    assert starting.is_alive()  # held back by the move
    move_may_end.set()
    for thread in (moving_thread, starting):
        thread.join(10)
    assert happened == ["clock moved", "next test starts"]


def test_a_test_that_moves_the_clock_starts_only_once_another_such_test_has_ended(tmp_path):
    # (so none moves the clock between another's reading and its move, or just after it)
    happened: list[str] = []
    first_moved, first_may_end = threading.Event(), threading.Event()

    def first_mover() -> None:
        with held_for_a_test(tmp_path, moves_the_clock=True) as lock:
            happened.append("first starts")
            moved_alone(lock, lambda: happened.append("first moves"))
            first_moved.set()
            first_may_end.wait(10)
            happened.append("first ends")

    def second_mover() -> None:
        with held_for_a_test(tmp_path, moves_the_clock=True):
            happened.append("second starts")

    # GIVEN a test that moves the clock, running
    first = threading.Thread(target=first_mover)
    first.start()
    assert first_moved.wait(10)
    # WHEN another such test starts
    second = threading.Thread(target=second_mover)
    second.start()
    # THEN it waits, and runs once the first has ended
    wait_until_blocked(tmp_path / "clock-movers.lock")
    assert "second starts" not in happened
    first_may_end.set()
    first.join(10)
    second.join(10)
    assert happened == ["first starts", "first moves", "first ends", "second starts"]


def wait_until_blocked(*paths, timeout: float = 10) -> None:
    """Until a lock request on one of the files waits (the kernel lists it in /proc/locks
    with "->" before it)."""
    inodes = {f":{os.stat(path).st_ino} " for path in paths if path.exists()}
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            with open("/proc/locks") as locks:
                waiting = [line for line in locks if "->" in line]
            if any(inode in line for line in waiting for inode in inodes):
                return
            deadline.wait(0.01)
        raise AssertionError("no lock request waited")
    finally:
        timer.cancel()
