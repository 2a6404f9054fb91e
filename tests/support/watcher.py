"""scripts/watch.py as a user runs it (make watch), its output read line by line with deadlines:
for the edit-and-run tests and the loop benchmark alike."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path


class Watcher:
    def __init__(
        self, script: Path, *args: str, cwd: Path | None = None, env: dict | None = None
    ) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(script), *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip())

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """The next line holding text; every line before it is kept in seen."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(remaining, 1))
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break  # it exited: nothing more will come
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise TimeoutError(f"no line with {text!r} in {timeout} s; it said: {self.seen[-20:]}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
