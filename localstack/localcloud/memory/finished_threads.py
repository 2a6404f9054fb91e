"""Forget the threads that have finished, so what they ran can be freed.

LocalStack appends worker threads to `localstack.utils.threads.TMP_THREADS` so that shutdown can
stop them, and never takes them out: Step Functions adds one for every execution, every Task
state, every Map iteration and Parallel branch and every callback wait. Each finished thread
stays, with its locks, events, future and (for a FuncThread) the function it ran and what that
holds: bench/soak.py counted about 1,200 more threads, 3,400 events and 4,600 conditions every
minute. A sweeper takes finished threads out of the list every few seconds; running ones stay,
so shutdown still stops them.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
SWEEP_EVERY_S = 5.0


def sweep(threads: list[threading.Thread]) -> int:
    """Remove the threads that were started and have ended; returns how many went. Other
    entries (LocalStack also registers thread pools there) stay."""
    finished = [
        t
        for t in list(threads)
        if isinstance(t, threading.Thread) and t.ident is not None and not t.is_alive()
    ]
    for thread in finished:
        # list.remove is atomic: appends from other threads meanwhile are kept.
        with contextlib.suppress(ValueError):
            threads.remove(thread)
    return len(finished)


@hooks.on_infra_start()
def forget_finished_threads():
    from localstack.utils.threads import TMP_THREADS

    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(SWEEP_EVERY_S):
            try:
                sweep(TMP_THREADS)
            except Exception:  # never let the sweeper die: the leak would come back
                LOG.exception("could not sweep finished threads")

    threading.Thread(target=sweeper, name="localcloud-thread-sweeper", daemon=True).start()
    LOG.info("finished worker threads are forgotten every %.0f s", SWEEP_EVERY_S)
