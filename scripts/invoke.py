"""make invoke FN=<logical id> EVENT=events/<file>.json

The Docker-free twin of `sam local invoke`: runs the function deployed on the local cloud with
the event and prints its result and its logs. The local cloud is started if it is not running,
and the stack brought in step with the working tree first, doing only what changed (a deploy,
new code for one folder's functions, one state machine; nothing when nothing changed: see
stack_sync.py).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import stack
import stack_sync


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    logical_id = argv[1]
    payload = Path(argv[2]).read_bytes() if len(argv) == 3 else b"{}"
    stack_sync.ensure_local_cloud()
    sync = stack_sync.StackSync()
    outcomes = sync.bring_in_step(stack_sync.print_outcome)
    if not all(outcome.ok for outcome in outcomes):
        return 1
    record = sync.record()
    if record is None or record.types.get(logical_id) != "AWS::Lambda::Function":
        known = ", ".join(sorted(record.sources.functions)) if record else "none recorded"
        sys.exit(f"{logical_id} is not a function of the local stack (its functions: {known})")
    function_name = record.physical[logical_id]
    response = stack.local_client("lambda").invoke(
        FunctionName=function_name, Payload=payload, LogType="Tail"
    )
    print("--- logs (last 4 KB) ---")
    print(base64.b64decode(response.get("LogResult", "")).decode(errors="replace"))
    print("--- result ---")
    result = response["Payload"].read().decode()
    try:
        print(json.dumps(json.loads(result), indent=2))
    except ValueError:
        print(result)
    if "FunctionError" in response:
        print(f"function error: {response['FunctionError']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
