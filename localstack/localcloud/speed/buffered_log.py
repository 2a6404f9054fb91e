"""LocalStack's log written in blocks, not one system call per line.

LocalStack logs a line per request ("AWS s3.PutObject => 200") through a StreamHandler on
stderr, which is line-buffered and flushed after every record. Profiling the local cloud under
payroll's flood of small S3 PUTs (py-spy, LocalStack's request threads) put about a third of
their time in that handler: the write itself, and threads queued on the handler's lock behind
it. The handler now writes into a 64 KiB buffer that a thread flushes every FLUSH_INTERVAL_S
(and at exit), so a line reaches the log at most that late; what is logged is unchanged.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading

from localstack.runtime import hooks

FLUSH_INTERVAL_S = 0.2
BUFFER_BYTES = 1 << 16


class DeferredFlushStream:
    """A text stream over stderr's descriptor whose flush() waits for the flusher thread."""

    def __init__(self) -> None:
        self._stream = open(  # noqa: SIM115 (lives as long as the process)
            sys.stderr.fileno(),
            "w",
            buffering=BUFFER_BYTES,
            encoding=sys.stderr.encoding,
            errors="backslashreplace",
            closefd=False,
        )

    def write(self, text: str) -> int:
        return self._stream.write(text)

    def flush(self) -> None:
        """Called by the handler after every record: left to the flusher."""

    def flush_now(self) -> None:
        self._stream.flush()


def _flush_every(handlers: list[tuple[logging.StreamHandler, DeferredFlushStream]]) -> None:
    def flush() -> None:
        for handler, stream in handlers:
            with handler.lock:  # not while a record is half written
                stream.flush_now()

    def run() -> None:
        while not stopping.wait(FLUSH_INTERVAL_S):
            flush()

    stopping = threading.Event()
    atexit.register(flush)
    threading.Thread(target=run, name="log-flush", daemon=True).start()


@hooks.on_infra_start()
def write_the_log_in_blocks():
    deferred = []
    for handler in logging.root.handlers:
        if type(handler) is logging.StreamHandler and handler.stream is sys.stderr:
            stream = DeferredFlushStream()
            handler.setStream(stream)
            deferred.append((handler, stream))
    if deferred:
        _flush_every(deferred)
