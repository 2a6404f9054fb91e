"""make invoke FN=<logical id> EVENT=events/<file>.json

The Docker-free twin of `sam local invoke`: runs the function deployed on the local cloud with
the event and prints its result and its logs. An event names the stack's resources as
`${<stack output name>}` (`"bucket": "${RawDataBucketName}"`), filled from the deployed stack's
outputs, so one sample event works on any instance. The local cloud is started if it is not
running, and the stack brought in step with the working tree first, doing only what changed (a
deploy, new code for one folder's functions, one state machine; nothing when nothing changed:
see devkit.stack_sync).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devkit import stack, stack_sync
from devkit.local_cloud import endpoint

USAGE = "usage: make invoke FN=<logical id> EVENT=events/<file>.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class UnknownOutput(ValueError):
    """An event names a stack output the stack does not have."""


def resolved(event: str, outputs: dict[str, str]) -> str:
    """The event's text with every ${OutputName} replaced by that output's value."""
    unknown = sorted({name for name in PLACEHOLDER.findall(event) if name not in outputs})
    if unknown:
        raise UnknownOutput(f"the stack has no output {', '.join(unknown)}")
    # Escaped as a JSON string's contents: the placeholder sits inside one.
    return PLACEHOLDER.sub(lambda found: json.dumps(outputs[found[1]])[1:-1], event)


def event_payload(path: str, outputs: Callable[[], dict[str, str]]) -> bytes:
    """The event file's text, resolved; the stack's outputs are asked for only if it names one
    (a DescribeStacks call that an event naming none does without)."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        sys.exit(f"cannot read the event {path}: {error.strerror}")
    try:
        return resolved(text, outputs() if PLACEHOLDER.search(text) else {}).encode()
    except UnknownOutput as error:
        sys.exit(f"{path}: {error}")


@dataclass
class Invocation:
    payload: bytes
    logs: str
    function_error: str | None


def invoke(function_name: str, payload: bytes) -> Invocation:
    """Lambda's Invoke, the REST call itself: with nothing to sync, importing botocore would be
    most of what make invoke costs (0.6 s of CPU), and the local cloud needs no signature."""
    name = urllib.parse.quote(function_name, safe="")
    request = urllib.request.Request(  # noqa: S310 - http, the local cloud
        f"{endpoint()}/2015-03-31/functions/{name}/invocations",
        data=payload,
        method="POST",
        headers={"X-Amz-Log-Type": "Tail", "Content-Type": "application/json"},
    )
    try:
        response = urllib.request.urlopen(request, timeout=900)  # noqa: S310
    except urllib.error.HTTPError as error:  # the call itself refused: no such function, ...
        sys.exit(f"Invoke {function_name}: {error.code} {error.read().decode(errors='replace')}")
    with response:
        logs = base64.b64decode(response.headers.get("X-Amz-Log-Result", ""))
        return Invocation(
            response.read(),
            logs.decode(errors="replace"),
            response.headers.get("X-Amz-Function-Error"),
        )


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        sys.exit(USAGE)
    logical_id, event_path = arguments
    if not Path(event_path).is_file():
        sys.exit(f"no event file {event_path}\n{USAGE}")
    stack_sync.ensure_local_cloud()
    sync = stack_sync.StackSync()
    outcomes = sync.bring_in_step(stack_sync.print_outcome)
    if not all(outcome.ok for outcome in outcomes):
        return 1
    record = sync.record()
    if record is None or record.types.get(logical_id) != "AWS::Lambda::Function":
        known = ", ".join(sorted(record.sources.functions)) if record else "none recorded"
        sys.exit(f"{logical_id} is not a function of the local stack (its functions: {known})")
    invocation = invoke(record.physical[logical_id], event_payload(event_path, stack.outputs))
    print("--- logs (last 4 KB) ---")
    print(invocation.logs)
    print("--- result ---")
    result = invocation.payload.decode()
    try:
        print(json.dumps(json.loads(result), indent=2))
    except ValueError:
        print(result)
    if invocation.function_error:
        print(f"function error: {invocation.function_error}", file=sys.stderr)
        return 1
    return 0
