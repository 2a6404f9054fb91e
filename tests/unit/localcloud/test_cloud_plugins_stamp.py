"""cloud.py's record of the plugins a local cloud started with changes with any plugin source,
so `up` restarts an instance whose plugins were edited since (see test_lifecycle.py)."""

from __future__ import annotations

import os

import pytest

import cloud


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """A plugins folder of cloud.py's shape: its pyproject.toml and a plugin module."""
    (tmp_path / "localcloud").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "localcloud" / "plugin.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(cloud, "PLUGINS", tmp_path)
    return tmp_path


def test_the_stamp_is_the_same_while_nothing_changes(plugins):
    assert cloud.plugins_stamp() == cloud.plugins_stamp()


@pytest.mark.parametrize(
    "edit",
    [
        lambda folder: (folder / "localcloud" / "plugin.py").write_text("VALUE = 22\n"),
        lambda folder: (folder / "localcloud" / "new_plugin.py").write_text(""),
        lambda folder: (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n"),
        lambda folder: os.utime(folder / "localcloud" / "plugin.py", ns=(0, 0)),
    ],
    ids=["source edited", "module added", "entry points changed", "source touched"],
)
def test_any_edit_of_a_plugin_changes_the_stamp(plugins, edit):
    before = cloud.plugins_stamp()
    edit(plugins)
    assert cloud.plugins_stamp() != before
