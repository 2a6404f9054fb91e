"""LocalStack starts with the garbage collector paused; once ready, what the start built is
collected once and frozen, and the collector runs again."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest

from support.localstack_hooks import stand_in_localstack_hooks


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch):
    """The plugin's hooks, as LocalStack's hook decorators leave them (a stand-in: LocalStack is
    not installed here); the collector's state restored after."""
    stand_in_localstack_hooks(monkeypatch, ("on_runtime_create", "on_infra_ready"))
    monkeypatch.delitem(sys.modules, "localcloud.speed.start_without_gc", raising=False)
    yield importlib.import_module("localcloud.speed.start_without_gc")
    gc.unfreeze()
    gc.enable()


def test_no_collection_during_the_start_then_the_start_frozen(plugin):
    # WHEN LocalStack is created THEN the collector pauses
    plugin.pause_garbage_collection()
    assert not gc.isenabled()

    # WHEN it is ready THEN what the start made is frozen, and the collector runs again
    plugin.collect_once_and_freeze()
    assert gc.get_freeze_count() > 0
    assert gc.isenabled()
