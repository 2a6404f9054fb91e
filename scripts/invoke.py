"""make invoke FN=<logical id> EVENT=events/<file>.json

The Docker-free twin of `sam local invoke`: runs the function deployed on the local cloud with
the event and prints its result and its logs.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import stack


def physical_id(logical_id: str) -> str:
    cloudformation = stack.local_client("cloudformation")
    resource = cloudformation.describe_stack_resource(
        StackName=stack.LOCAL_STACK_NAME, LogicalResourceId=logical_id
    )["StackResourceDetail"]
    return resource["PhysicalResourceId"]


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    function_name = physical_id(argv[1])
    payload = Path(argv[2]).read_bytes() if len(argv) == 3 else b"{}"
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
