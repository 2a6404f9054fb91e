"""Patch a LocalStack module when it is first imported, not at start-up.

LocalStack loads a service's modules when the service gets its first request. A start-up hook
that imported them to patch them would pay for every service at every start (Step Functions'
alone takes over a second): `after_import` runs the patch once the module is imported, or at
once if it already is.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import threading
from collections.abc import Callable

_pending: dict[str, list[Callable[[object], None]]] = {}
_lock = threading.RLock()


class _PatchingFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _pending:
            return None
        # Let the normal finders find it, then wrap its loader so the patches run after it.
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            with _lock:
                patches = _pending.pop(fullname, [])
            for patch in patches:
                patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


_finder = _PatchingFinder()


def after_import(module_name: str):
    """Decorator: call the function with the module once `module_name` is imported."""

    def register(patch: Callable[[object], None]) -> Callable[[object], None]:
        with _lock:
            module = sys.modules.get(module_name)
            if module is None:
                _pending.setdefault(module_name, []).append(patch)
                if _finder not in sys.meta_path:
                    sys.meta_path.insert(0, _finder)
                return patch
        patch(module)
        return patch

    return register
