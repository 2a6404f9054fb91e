"""What libfaketime leaves in /dev/shm for processes on the clock is removed once they have
ended, and only then (localcloud/clock/processes.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from localcloud.clock import processes


def test_what_ended_processes_left_is_forgotten_and_what_living_ones_use_is_kept(tmp_path):
    # GIVEN what libfaketime made for a process that has ended and for one that lives (this one)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    for pid in (ended, os.getpid()):
        (tmp_path / f"faketime_shm_{pid}").touch()
        (tmp_path / f"sem.faketime_sem_{pid}").touch()
    (tmp_path / "something_else_1").touch()

    # WHEN the dead are forgotten
    processes.forget_the_dead(tmp_path)

    # THEN only the ended process's files are gone
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"faketime_shm_{os.getpid()}", f"sem.faketime_sem_{os.getpid()}", "something_else_1"]
    )
