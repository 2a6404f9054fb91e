"""No garbage collection while LocalStack starts; once it is ready, one collection, and what
the start built (modules, classes, the handler chain: nearly every object there is) frozen.

The start allocates hundreds of thousands of objects that live as long as the process, and the
cyclic collector ran over them again and again while they were being made: 0.1-0.2 s of a
1.4-1.8 s start (alternating runs, load 2.1-2.7). Frozen, they are also left out of every later
full collection, which walked all of them (as `quick_stop` found at exit). Garbage the start
made is collected once, before the freeze.
"""

from __future__ import annotations

import gc

from localstack.runtime import hooks


@hooks.on_runtime_create()
def pause_garbage_collection() -> None:
    """Runtime-create hook: before LocalStack imports its handler chain and services."""
    gc.disable()


@hooks.on_infra_ready()
def collect_once_and_freeze() -> None:
    """Ready hook: the start is over."""
    gc.collect()
    gc.freeze()
    gc.enable()
