"""cloud.py finds each Lambda runtime's interpreter once per command."""

from __future__ import annotations

import cloud


def test_up_asks_each_interpreter_its_version_once(tmp_path, monkeypatch):
    # GIVEN one interpreter of each runtime's version on PATH, and cloud.py's questions to
    # them counted (each starts the interpreter to ask its version)
    for runtime in cloud.RUNTIMES:
        (tmp_path / runtime).touch()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    asked: list[str] = []

    def is_version(python: str, version: tuple[int, int]) -> bool:
        asked.append(python)
        return True

    monkeypatch.setattr(cloud, "_is_version", is_version)
    monkeypatch.setenv("LOCAL_CLOUD_PYTHON_RUNTIMES", "all")
    cloud.locate_python.cache_clear()

    # WHEN `up` needs the runtimes twice (set-up, then LocalStack's environment)
    first = cloud.selected_runtimes()
    again = cloud.selected_runtimes()

    # THEN each runtime's interpreter was asked once
    assert first == again == {runtime: str(tmp_path / runtime) for runtime in cloud.RUNTIMES}
    assert sorted(asked) == sorted(first.values())
    cloud.locate_python.cache_clear()
