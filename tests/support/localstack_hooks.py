"""A stand-in for LocalStack's start hooks, for unit tests of the local cloud's plugins: the
tests' Python has no LocalStack, and a plugin module imports `localstack.runtime.hooks`."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable

import pytest


def stand_in_localstack_hooks(
    monkeypatch: pytest.MonkeyPatch,
    names: Iterable[str] = ("on_infra_start",),
    decorate: Callable = lambda hook: hook,
) -> None:
    """`localstack.runtime.hooks` with each named hook decorator (`@hooks.on_infra_start()`)
    applying `decorate` to the hook (by default leaving it as it is), until the test ends."""
    hooks = types.ModuleType("localstack.runtime.hooks")
    for name in names:
        setattr(hooks, name, lambda: decorate)
    runtime = types.ModuleType("localstack.runtime")
    runtime.hooks = hooks
    localstack = types.ModuleType("localstack")
    localstack.runtime = runtime
    for module in (localstack, runtime, hooks):
        monkeypatch.setitem(sys.modules, module.__name__, module)
