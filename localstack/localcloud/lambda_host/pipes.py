"""The two pipe ends LocalStack's side keeps to one handler process: requests out, answers in.

They are closed once, by whoever is last to need them. An environment can be stopped from one
thread (LocalStack's shutdown of the environment) while another is still waiting for its answer
(the invocation's no-answer path then kills the process too): closing a descriptor twice, or under
a reader's select, could close or read a pipe another environment has just been given the same
number for.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import threading
import time


class HandlerPipes:
    def __init__(self, request_write: int, response_read: int) -> None:
        self._request_write, self._response_read = request_write, response_read
        self._buffer = b""
        self._lock = threading.Lock()
        self._users = 0  # sends and receives in flight
        self._closing = False
        self._closed = False

    def send(self, message: dict) -> None:
        with self._using() as usable:
            if usable:
                os.write(self._request_write, json.dumps(message).encode() + b"\n")

    def receive(self, deadline: float) -> dict | None:
        """The next message from the process; None when the deadline passes, it exits, or the
        pipes are being closed."""
        with self._using() as usable:
            if not usable:
                return None
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                readable, _, _ = select.select([self._response_read], [], [], remaining)
                if not readable:
                    return None
                chunk = os.read(self._response_read, 1 << 20)
                if not chunk:
                    return None  # the process exited
                self._buffer += chunk
            line, _, self._buffer = self._buffer.partition(b"\n")
            return json.loads(line)

    def close(self) -> None:
        """Close both ends now, or when the send or receive in flight returns; any number of
        times, from any thread."""
        with self._lock:
            self._closing = True
            if self._users == 0:
                self._close_once()

    @contextlib.contextmanager
    def _using(self):
        with self._lock:
            usable = not self._closing
            if usable:
                self._users += 1
        try:
            yield usable
        finally:
            if usable:
                with self._lock:
                    self._users -= 1
                    if self._closing and self._users == 0:
                        self._close_once()

    def _close_once(self) -> None:
        if self._closed:
            return
        self._closed = True
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):
                os.close(fd)
