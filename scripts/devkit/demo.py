"""make demo: run every workflow once on the deployed local stack and print the outcomes."""

from __future__ import annotations

import sys
import traceback

from devkit import console_client, demos, local_cloud, stack


def main(arguments: list[str]) -> int:
    if arguments:
        sys.exit(__doc__)
    outputs = stack.outputs()
    print(f"Stack {stack.LOCAL_STACK_NAME} on the local cloud; REST API at {outputs['ApiUrl']}")
    failed = []
    started = local_cloud.clock_time()  # executions are dated on the local cloud's clock
    for module in demos.names():
        print(f"\n=== {module} ===", flush=True)
        try:
            demos.load(module).run(outputs)
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
