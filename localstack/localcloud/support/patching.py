"""Patch a LocalStack module when it is first imported, not at start-up, and never silently.

LocalStack loads a service's modules when the service gets its first request. A start-up hook
that imported them to patch them would pay for every service at every start (Step Functions'
alone takes over a second): `after_import` runs the patch once the module is imported, or at
once if it already is. The post-import hook is wrapt's (`wrapt.register_post_import_hook`, a
dependency of LocalStack itself). LocalStack's own helper, `localstack.utils.patch.Patch`, takes
the object to patch, so it would need the module imported at start: the cost this avoids.

Every patch reaches into LocalStack's internals, so each names what it changes. A plugin that
patches one module is its patch, made a start hook (its entry point) by `patch_plugin`:

    @patch_plugin("localstack.services.x.module", requires=("Class.method", "function"))
    def do_the_thing(module): ...

A start hook that patches several modules registers each patch itself:

    @after_import("localstack.services.x.module", requires=("Class.method", "function"))
    def patch(module): ...

The module and each required attribute ("name" at module level, "Class.name" in a class body)
are looked up in the module's source when the patch is registered (at start, without importing
it), and on the module itself when the patch is applied. A target that is missing stops the
local cloud with a message naming it (a patch that silently does nothing, or waits forever for a
module that moved, is worse than no start).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import wrapt

LOG = logging.getLogger(__name__)

# EX_CONFIG (sysexits.h): the installed LocalStack is not the one the plugins fit.
EXIT_NOT_THE_LOCALSTACK_WRITTEN_FOR = 78


class PatchTargetMissing(RuntimeError):
    """A module, class or attribute a patch changes is not in the installed LocalStack."""


def stop_the_local_cloud(message: str) -> None:
    # LocalStack logs a failing start hook and carries on (and a patch applied later runs in a
    # request's thread), so stopping the process is the only way not to run half-patched.
    LOG.critical(message)
    print(f"[local-cloud] {message}", file=sys.stderr, flush=True)
    os._exit(EXIT_NOT_THE_LOCALSTACK_WRITTEN_FOR)


# What a missing target does; tests replace it with one that raises PatchTargetMissing.
on_missing_target: Callable[[str], None] = stop_the_local_cloud


def _installed_localstack() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"localstack-core {version('localstack-core')}"
    except PackageNotFoundError:
        return "no localstack-core"


def _refuse(module_name: str, missing: list[str]) -> None:
    on_missing_target(
        f"cannot patch {module_name}: {', '.join(missing)} not found in {_installed_localstack()}"
        " (the plugins in localstack/localcloud/ were written for the version pinned in "
        "localstack/requirements.txt)"
    )


# The names found in each source, kept across starts in the local cloud's cache folder
# (LOCAL_CLOUD_CACHE, set by cloud.py): parsing the forty-odd patched modules was a tenth of
# every start (0.25 s). A source is known by its size and modification time: an edited one is
# read again.
CACHE_SETTING = "LOCAL_CLOUD_CACHE"
NAMES_FILE = "patch-targets.json"


def _names_file() -> Path | None:
    folder = os.environ.get(CACHE_SETTING)
    return Path(folder) / NAMES_FILE if folder else None


@cache
def _stored_names() -> dict[str, dict]:
    """{source path: {"stamp": size and modification time, "names": {name: members}}}"""
    file = _names_file()
    try:
        return json.loads(file.read_text()) if file else {}
    except (OSError, ValueError):
        return {}


def _store_names(origin: str, stamp: str, names: dict[str, set[str] | None]) -> None:
    stored = _stored_names()
    members = {name: sorted(found) if found is not None else None for name, found in names.items()}
    stored[origin] = {"stamp": stamp, "names": members}
    if file := _names_file():
        # Written whole and renamed: instances starting side by side never read half a file.
        partial = file.with_name(f"{file.name}.{os.getpid()}")
        with contextlib.suppress(OSError):
            file.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(stored))
            partial.replace(file)


@cache
def _source_names(origin: str) -> dict[str, set[str] | None]:
    """Top-level names of a module's source; a class maps to the names in its body."""
    status = os.stat(origin)
    stamp = f"{status.st_size}:{status.st_mtime_ns}"
    known = _stored_names().get(origin, {})
    if known.get("stamp") == stamp:
        return {
            name: set(found) if found is not None else None
            for name, found in known["names"].items()
        }
    names = _parsed_names(origin)
    _store_names(origin, stamp, names)
    return names


def _parsed_names(origin: str) -> dict[str, set[str] | None]:
    names: dict[str, set[str] | None] = {}
    for node in ast.parse(Path(origin).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = _bound_names(node.body)
        else:
            names.update(dict.fromkeys(_bound_names([node])))
    return names


def _bound_names(body: list[ast.stmt]) -> set[str]:
    bound: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign):
            bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.If | ast.Try):  # TYPE_CHECKING blocks, optional imports
            bound.update(_bound_names(node.body))
    return bound


def missing_in_source(module_name: str, requires: Iterable[str] = ()) -> list[str]:
    """What of the module and its required attributes its source lacks (neither it nor the
    packages between it and its top package are imported)."""
    origin = _source_file(module_name)
    if origin is None:
        try:
            spec = importlib.util.find_spec(module_name)  # imports its parent packages
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            return [f"module {module_name}"]
        origin = spec.origin
    if not origin or not origin.endswith(".py"):
        return []  # compiled or namespace: checked on the module when applied
    names = _source_names(origin)
    missing = []
    for required in requires:
        owner, _, member = required.partition(".")
        members = names.get(owner)
        if owner not in names or (member and members is not None and member not in members):
            missing.append(required)
    return missing


def _source_file(module_name: str) -> str | None:
    """The module's source, found in its top package's folders: a package's __init__ may import
    much (LocalStack's handlers package imports every handler), and a patch is checked at start
    so that nothing is imported before it is needed."""
    top, *parts = module_name.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not parts:
        return None
    for folder in spec.submodule_search_locations or ():
        path = Path(folder, *parts)
        for source in (path.with_name(f"{path.name}.py"), path / "__init__.py"):
            if source.is_file():
                return str(source)
    return None


def missing_on_module(module: object, requires: Iterable[str] = ()) -> list[str]:
    """What of the required attributes the module lacks. A class's attribute may be declared by
    its annotation alone (`_jobs: list` in the class body, set by each instance), as the source
    check counts it."""
    missing = []
    for required in requires:
        target = module
        for part in required.split("."):
            if not hasattr(target, part) and part not in _declared(target):
                missing.append(required)
                break
            target = getattr(target, part, None)
    return missing


def _declared(target: object) -> dict:
    return inspect.get_annotations(target) if isinstance(target, type) else {}


def refuse_unless_present(module, requires: Iterable[str]) -> None:
    """For a patch of a module already imported at start: stop unless its targets exist."""
    if absent := missing_on_module(module, requires):
        _refuse(module.__name__, absent)


def refuse_unless_in_source(module_name: str, requires: Iterable[str] = ()) -> None:
    """For a module replaced before LocalStack imports it: stop unless it and the attributes
    its stand-in provides are in the installed LocalStack's source (nothing is imported)."""
    if missing := missing_in_source(module_name, tuple(requires)):
        _refuse(module_name, missing)


def after_import(module_name: str, *, requires: Iterable[str] = ()):
    """Decorator: call the function with the module once `module_name` is imported. `requires`
    names the attributes the patch replaces or relies on ("name", "Class.name")."""
    needed = tuple(requires)
    if missing := missing_in_source(module_name, needed):
        _refuse(module_name, missing)

    def register(patch: Callable[[object], None]) -> Callable[[object], None]:
        def apply(module) -> None:
            if absent := missing_on_module(module, needed):
                _refuse(module_name, absent)
                return
            patch(module)

        wrapt.register_post_import_hook(apply, module_name)
        return patch

    return register


def patch_plugin(module_name: str, *, requires: Iterable[str] = ()):
    """Decorator: the patch of one module becomes a LocalStack start hook of the same name (the
    plugin's entry point), which registers it with `after_import` when LocalStack starts."""

    needed = tuple(requires)

    def plugin(patch: Callable[[object], None]) -> Callable[[], None]:
        # Imported here: only LocalStack's process has it (unit tests import this module).
        from localstack.runtime import hooks

        def start_hook() -> None:
            after_import(module_name, requires=needed)(patch)

        start_hook.__name__ = start_hook.__qualname__ = patch.__name__  # LocalStack's plugin name
        start_hook.__module__, start_hook.__doc__ = patch.__module__, patch.__doc__
        return hooks.on_infra_start()(start_hook)

    return plugin
