"""The local cloud stops (SIGTERM) in the time its shutdown work takes, not in the time of waits.

Once a function had run, a stop took 6-8 s (10 s under load, then cloud.py's SIGKILL): the log
of a stop and faulthandler dumps of the process showed three waits, each ended here.

- Lambda's stop joins each function's event poller, which is in a 2 s long poll of the
  function's internal SQS queue: the queue is shut down first (what SQS does to its queues when
  it stops), so the long poll answers at once.
- Python's teardown at exit runs full garbage collections over the whole heap (over a million
  objects once services have loaded their models: 4-5 s). At exit, after every shutdown hook and
  atexit handler, the heap is frozen (`gc.freeze`): teardown still frees every object by its
  reference count, without walking the heap again to look for cycles.

(The third, the Twisted reactor told to stop from another thread, is in support/server.py.)
"""

from __future__ import annotations

import atexit
import gc

from localstack.runtime import hooks

from localcloud.support.patching import after_import


@hooks.on_infra_start()
def stop_without_waiting() -> None:
    """Start hook: the patch below, and the heap frozen at exit."""
    # atexit runs its handlers last registered first: this start hook registers before the
    # services load, so LocalStack's and the plugins' own handlers run before it.
    atexit.register(_freeze_the_heap)

    @after_import(
        "localstack.services.lambda_.invocation.event_manager",
        requires=("LambdaEventManager.stop",),
    )
    def end_the_long_poll_first(event_manager) -> None:
        original = event_manager.LambdaEventManager.stop

        def stop(self) -> None:
            _shut_down_queue(self.event_queue_url)
            original(self)

        event_manager.LambdaEventManager.stop = stop


def _shut_down_queue(queue_url: str | None) -> None:
    """Wake every long poll of this internal queue; it is deleted right after."""
    # Lambda's internal queues are not SQS's: its fake client's URL is the queue's name.
    from localstack.services.lambda_.invocation.internal_sqs_queue import get_fake_sqs_client

    if queue := get_fake_sqs_client().queue_manager.queues.get(queue_url):
        queue.shutdown()


def _freeze_the_heap() -> None:
    gc.disable()
    gc.freeze()
