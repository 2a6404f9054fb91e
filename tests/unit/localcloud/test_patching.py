"""The local cloud's patches refuse to run against a LocalStack they were not written for: a
missing module, class or attribute, or another localstack-core version, stops the start."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import cloud
from localcloud import LOCALSTACK_VERSION
from localcloud.support import patching
from support.localstack_hooks import stand_in_localstack_hooks

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What would have stopped the local cloud, recorded instead."""
    refused: list[str] = []

    def record(message: str) -> None:
        refused.append(message)
        raise patching.PatchTargetMissing(message)

    monkeypatch.setattr(patching, "on_missing_target", record)
    return refused


@pytest.fixture
def target_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small package standing in for a LocalStack module, not yet imported."""
    name = f"patch_target_{tmp_path.name.replace('-', '_')}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(
        textwrap.dedent(
            """
            from json import dumps as encode

            LIMIT = 3

            class Worker:
                retries = 1
                attempts: int  # an instance field, set by __init__

                def __init__(self):
                    self.attempts = 0

                def run(self):
                    return "original"

            def helper():
                return "original"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield f"{name}.service"
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def test_a_patch_runs_when_its_module_is_first_imported(target_package, refusals):
    # GIVEN a patch of a module nobody imported yet, naming what it replaces
    @patching.after_import(target_package, requires=("Worker.run", "helper", "LIMIT", "encode"))
    def patch(module):
        module.Worker.run = lambda self: "patched"

    assert target_package not in sys.modules
    # WHEN the module is imported THEN it is patched, and nothing was refused
    module = __import__(target_package, fromlist=["Worker"])
    assert module.Worker().run() == "patched"
    assert refusals == []


def test_an_instance_field_its_class_declares_is_found_in_source_and_on_the_class(
    target_package, refusals
):
    # GIVEN a patch relying on a field each instance has, which the class declares
    applied = []
    patching.after_import(target_package, requires=("Worker.attempts",))(applied.append)
    # WHEN the module is imported THEN the patch is applied, nothing refused
    __import__(target_package)
    assert len(applied) == 1 and refusals == []


@pytest.mark.parametrize(
    ("requires", "missing"),
    [
        (("Worker.stop",), "Worker.stop"),
        (("Worker.tries",), "Worker.tries"),
        (("Runner",), "Runner"),
        (("Runner.run",), "Runner.run"),
        (("helper", "LIMIT", "MAXIMUM"), "MAXIMUM"),
    ],
)
def test_a_missing_class_or_attribute_is_refused_at_registration(
    target_package, refusals, requires, missing
):
    with pytest.raises(patching.PatchTargetMissing, match=missing):
        patching.after_import(target_package, requires=requires)
    # AND the module was not imported to find out
    assert target_package not in sys.modules


def test_a_module_that_moved_is_refused_rather_than_waited_for(target_package, refusals):
    moved = target_package.replace(".service", ".services")
    with pytest.raises(patching.PatchTargetMissing, match=f"module {moved}"):
        patching.after_import(moved)


def test_an_attribute_gone_when_the_patch_applies_is_refused(target_package, refusals):
    # GIVEN a patch registered while its target was there
    applied = []
    patching.after_import(target_package, requires=("helper",))(applied.append)
    # WHEN the imported module turns out not to have it (removed at import time)
    source = Path(importlib.util.find_spec(target_package).origin)
    source.write_text(source.read_text() + "\ndel helper\n")
    with pytest.raises(patching.PatchTargetMissing, match="helper"):
        __import__(target_package)
    # THEN the patch did not run
    assert applied == []


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The local cloud's cache folder, as cloud.py sets it; this process's memory of sources
    forgotten before and after."""
    monkeypatch.setenv(patching.CACHE_SETTING, str(tmp_path / "cache"))
    next_start()
    yield tmp_path / "cache"
    next_start()


def next_start() -> None:
    """What a new LocalStack process knows of sources: only the cache folder."""
    patching._source_names.cache_clear()
    patching._stored_names.cache_clear()


def test_a_source_read_at_one_start_is_not_parsed_again_at_the_next(
    target_package, refusals, cache_folder, monkeypatch
):
    # GIVEN a start that checked a patch's targets
    patching.after_import(target_package, requires=("Worker.run",))

    # WHEN the next start checks targets in the same source, without parsing any
    next_start()
    monkeypatch.setattr(patching.ast, "parse", lambda *args, **kwargs: pytest.fail("parsed"))
    patching.after_import(target_package, requires=("Worker.run", "helper", "LIMIT"))

    # THEN what is there passes and what is not is still refused
    assert refusals == []
    with pytest.raises(patching.PatchTargetMissing, match=r"Worker\.stop"):
        patching.after_import(target_package, requires=("Worker.stop",))


def test_a_source_edited_since_the_last_start_is_read_again(target_package, refusals, cache_folder):
    # GIVEN a start that checked a patch's targets, then an edit of their source
    patching.after_import(target_package, requires=("helper",))
    source = Path(importlib.util.find_spec(target_package).origin)
    source.write_text(source.read_text() + "\ndef added():\n    return 1\n")

    # WHEN the next start checks the new name THEN it is found
    next_start()
    patching.after_import(target_package, requires=("added",))
    assert refusals == []


@pytest.fixture
def start_hooks(monkeypatch: pytest.MonkeyPatch) -> list:
    """LocalStack's start hooks, recorded by a stand-in (LocalStack is not installed here)."""
    registered: list = []
    stand_in_localstack_hooks(monkeypatch, decorate=lambda hook: registered.append(hook) or hook)
    return registered


def test_a_patch_plugin_patches_its_module_once_localstack_runs_its_start_hook(
    target_package, refusals, start_hooks
):
    # GIVEN a plugin's patch of one module
    @patching.patch_plugin(target_package, requires=("helper",))
    def patch_the_helper(module):
        module.helper = lambda: "patched"

    # THEN it is a start hook named after the patch (LocalStack's name for the plugin)
    assert start_hooks == [patch_the_helper]
    assert patch_the_helper.__name__ == "patch_the_helper"
    # WHEN LocalStack runs it and the module is imported THEN the module is patched
    patch_the_helper()
    module = __import__(target_package, fromlist=["helper"])
    assert module.helper() == "patched"
    assert refusals == []


def test_a_patch_plugin_checks_its_targets_when_localstack_starts_it(
    target_package, refusals, start_hooks
):
    # GIVEN a plugin whose target is missing: declaring it refuses nothing yet
    @patching.patch_plugin(target_package, requires=("Runner.run",))
    def patch_the_runner(module):
        module.Runner.run = lambda self: "patched"

    assert refusals == []
    # WHEN LocalStack starts it THEN the start stops, naming the target
    with pytest.raises(patching.PatchTargetMissing, match=r"Runner\.run"):
        patch_the_runner()


def test_the_version_the_plugins_expect_is_the_pinned_one():
    pinned = next(
        line.split("==")[1].strip()
        for line in (PROJECT / "localstack" / "requirements.txt").read_text().splitlines()
        if line.startswith("localstack-core==")
    )
    assert pinned == LOCALSTACK_VERSION


def test_another_localstack_version_is_refused_before_start(tmp_path, monkeypatch, capsys):
    # GIVEN a LocalStack venv holding another localstack-core
    site = tmp_path / "venv" / "lib" / "python3.13" / "site-packages"
    (site / "localstack_core-2099.1.0.dist-info").mkdir(parents=True)
    monkeypatch.setenv("LOCAL_CLOUD_HOME", str(tmp_path))
    # WHEN the start is checked THEN it stops, naming both versions
    with pytest.raises(SystemExit):
        cloud.check_localstack_version()
    error = capsys.readouterr().err
    assert "localstack-core 2099.1.0" in error and LOCALSTACK_VERSION in error


def test_the_pinned_version_passes(tmp_path, monkeypatch):
    site = tmp_path / "venv" / "lib" / "python3.13" / "site-packages"
    (site / f"localstack_core-{LOCALSTACK_VERSION}.dist-info").mkdir(parents=True)
    monkeypatch.setenv("LOCAL_CLOUD_HOME", str(tmp_path))
    cloud.check_localstack_version()
