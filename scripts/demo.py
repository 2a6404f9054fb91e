"""make demo: run every workflow once on the deployed local stack and print the outcomes."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import console_client
import demos
import stack


def main() -> int:
    outputs = stack.outputs()
    print(f"Stack {stack.LOCAL_STACK_NAME} on the local cloud; REST API at {outputs['ApiUrl']}")
    failed = []
    started = time.time()
    for module in sorted(m.name for m in pkgutil.iter_modules(demos.__path__)):
        print(f"\n=== {module} ===", flush=True)
        try:
            importlib.import_module(f"demos.{module}").run(outputs)
        except Exception:
            traceback.print_exc()
            failed.append(module)
    print()
    if failed:
        print(f"demo failed for: {', '.join(failed)}")
    else:
        print("demo finished: every workflow ran")
    print()
    console_client.print_cost_table(started)
    print(f"\nEvery execution, drawn, in the console: {console_client.console_url()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
