"""One module per workflow, each with run(outputs) -> None; devkit.demo runs them all (make
demo), bench/soak.py over and over."""

import importlib
import pkgutil
from types import ModuleType


def names() -> list[str]:
    """The workflows with a demo: this package's modules."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__))


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")
