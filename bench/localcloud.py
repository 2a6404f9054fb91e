"""Benchmark of the local cloud itself: start, deploy, invoke, executions, memory.

Runs its own instances on free ports (the one on 4566 is left alone) and prints one table, each
figure beside its target and the ratio figure/target (<= 1.0 meets it).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

from devkit import PROJECT, stack
from devkit.local_cloud import (
    BASIC_EXECUTION,
    botocore_client,
    free_port,
    local_cloud_pid,
    memory,
    service_role,
    zip_sources,
)
from devkit.local_cloud import cloud as cloud_command

# The bench's state machine invokes the bench's functions, nothing else.
INVOKE_BENCH_FUNCTIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:*:000000000000:function:bench-*",
        }
    ],
}
NOOP = "def handler(event, context):\n    return event\n"


def cloud(command: str, port: int) -> None:
    cloud_command(command, port).check_returncode()


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def make_function(lam, name: str, role: str) -> None:
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": NOOP})},
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )


def sequential_tasks_definition(function_arn: str, count: int) -> str:
    states = {}
    for index in range(count):
        states[f"Task{index}"] = {
            "Type": "Task",
            "Resource": function_arn,
            **({"Next": f"Task{index + 1}"} if index < count - 1 else {"End": True}),
        }
    return json.dumps({"StartAt": "Task0", "States": states})


def inline_map_definition(function_arn: str) -> str:
    """The reports workflow's shape: an inline Map over a list in its input, a task per item."""
    iteration = {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": function_arn, "End": True}},
    }
    each = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"item.$": "$$.Map.Item.Value"},
        "MaxConcurrency": 10,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **iteration},
        "ResultPath": None,
        "End": True,
    }
    return json.dumps({"StartAt": "Each", "States": {"Each": each}})


def sub_ranges(count: int) -> str:
    return json.dumps(
        {"items": [{"index": i, "start": "2024-01-01", "end": "2024-01-02"} for i in range(count)]}
    )


def run_to_end(sfn, machine: str, document: str, timeout: float = 30) -> float:
    """Seconds from StartExecution until the execution has ended (SUCCEEDED, or an error)."""
    started = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine, input=document)["executionArn"]
    deadline = time.monotonic() + timeout
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(arn)
        time.sleep(0.005)
    if status != "SUCCEEDED":
        raise RuntimeError(f"{arn} ended {status}")
    return time.perf_counter() - started


def main() -> None:
    rows: list[tuple[str, float, float | None, str]] = []

    # Start to ready, three fresh instances.
    starts = []
    for _ in range(3):
        port = free_port()
        starts.append(timed(lambda port=port: cloud("up", port)))
        cloud("down", port)
    rows.append(("start to ready (median of 3)", statistics.median(starts), 2.0, "s"))

    port = free_port()
    os.environ["LOCAL_CLOUD_PORT"] = str(port)
    cloud("up", port)
    pid = local_cloud_pid(port)
    try:
        stack.build()
        first = timed(stack.deploy_local)
        rows.append(("first deploy of the stack, fresh cloud", first, 30.0, "s"))

        touched = PROJECT / "functions" / "health" / "health" / "app.py"
        original = touched.read_text()
        try:
            touched.write_text(original + f"\n# bench {uuid.uuid4().hex}\n")
            rows.append(("redeploy after one code change", timed(stack.deploy_local), 15.0, "s"))
        finally:
            touched.write_text(original)

        lam = botocore_client("lambda")
        sfn = botocore_client("stepfunctions")
        iam = botocore_client("iam")
        function_role = service_role(
            iam, "bench-function", "lambda.amazonaws.com", managed=(BASIC_EXECUTION,)
        )
        machine_role = service_role(
            iam, "bench-machine", "states.amazonaws.com", INVOKE_BENCH_FUNCTIONS
        )

        name = f"bench-noop-{uuid.uuid4().hex[:6]}"
        make_function(lam, name, function_role)
        for _ in range(5):
            lam.invoke(FunctionName=name, Payload=b"{}")
        warm = [timed(lambda: lam.invoke(FunctionName=name, Payload=b"{}")) for _ in range(100)]
        rows.append(("warm invoke p50 (100 invokes)", statistics.median(warm) * 1000, 12.0, "ms"))
        rows.append(("warm invoke p95", percentile(warm, 0.95) * 1000, None, "ms"))

        colds = []
        for _ in range(5):
            cold_name = f"bench-cold-{uuid.uuid4().hex[:6]}"
            make_function(lam, cold_name, function_role)
            colds.append(timed(lambda n=cold_name: lam.invoke(FunctionName=n, Payload=b"{}")))
        rows.append(
            ("cold start, first invoke (median of 5)", statistics.median(colds) * 1000, 300.0, "ms")
        )

        function_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        machine = sfn.create_state_machine(
            name=f"bench-five-tasks-{uuid.uuid4().hex[:6]}",
            definition=sequential_tasks_definition(function_arn, 5),
            roleArn=machine_role,
        )["stateMachineArn"]

        run_to_end(sfn, machine, "{}")
        runs = [run_to_end(sfn, machine, "{}") for _ in range(10)]
        rows.append(
            (
                "execution of 5 sequential Lambda tasks (median of 10)",
                statistics.median(runs) * 1000,
                250.0,
                "ms",
            )
        )

        # A Map's cost per item should not grow with the number of items its input holds.
        mapping = sfn.create_state_machine(
            name=f"bench-inline-map-{uuid.uuid4().hex[:6]}",
            definition=inline_map_definition(function_arn),
            roleArn=machine_role,
        )["stateMachineArn"]
        per_item = {
            count: run_to_end(sfn, mapping, sub_ranges(count), timeout=600) / count
            for count in (100, 1000)
        }
        rows.append(("inline Map of 1,000 items, per item", per_item[1000] * 1000, None, "ms"))
        rows.append(
            (
                "inline Map, time per item at 1,000 items / at 100",
                per_item[1000] / per_item[100],
                1.5,
                "x",
            )
        )
        rows.append(
            ("local cloud memory, RSS of all its processes", memory(pid).rss / 2**20, None, "MiB")
        )
    finally:
        cloud("down", port)

    print(f"\n{'local cloud':58} {'figure':>10} {'target':>10} {'ratio':>7}")
    for label, value, target, unit in rows:
        target_text = f"<= {target:g} {unit}" if target else ""
        ratio = f"{value / target:.2f}" if target else ""
        print(f"{label:58} {value:8.1f} {unit:<3}{target_text:>12} {ratio:>7}")


if __name__ == "__main__":
    main()
