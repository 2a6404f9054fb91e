"""make bench: run every benchmark in bench/ (each module's main()), one after another."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "scripts"), str(BENCH.parent / "tests")]


def main(selected: list[str]) -> int:
    names = selected or sorted(
        module.name for module in pkgutil.iter_modules([str(BENCH)]) if module.name != "run"
    )
    for name in names:
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(name).main()
        print(f"(bench/{name}.py took {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
