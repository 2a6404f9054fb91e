"""The run's clock lock (tests/support/clock_lock.py): the clock moves only while no other test
holds the lock, and no test starts while it moves."""

from __future__ import annotations

import threading

from support.clock_lock import held_shared, moved_alone


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
