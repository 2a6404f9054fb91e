"""make bench: run every benchmark in bench/ (or those named), one after another, each in its
own process (a bench module may share its name with the workflow package it measures). The soak
(half an hour) runs only when named: make bench BENCH=soak."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ONLY_WHEN_NAMED = {"run", "soak"}


def main(selected: list[str]) -> int:
    names = selected or sorted(
        path.stem for path in BENCH.glob("*.py") if path.stem not in ONLY_WHEN_NAMED
    )
    failed = []
    for name in names:
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        # -P: bench/ stays off the import path, so bench/payroll.py does not hide the payroll
        # package it measures (make bench puts the workflows' code on PYTHONPATH).
        bench = [sys.executable, "-P", str(BENCH / f"{name}.py")]
        if subprocess.run(bench, check=False).returncode:
            failed.append(name)
        print(f"(bench/{name}.py took {time.perf_counter() - started:.0f} s)", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
