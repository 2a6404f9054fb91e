"""Importing a handler module the way a cold start does: after the test has set its environment
(handler modules read their settings when imported)."""

from __future__ import annotations

import importlib
from types import ModuleType


def fresh(module: str) -> ModuleType:
    """The handler module, imported again so that it reads the environment as it is now."""
    return importlib.reload(importlib.import_module(module))
