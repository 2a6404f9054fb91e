"""Soak: every workflow the stack holds, run over and over for a long while; does the local cloud's
memory stay flat?

One thread per workflow repeats that workflow's demo (scripts/devkit/demos/<workflow>.py: its real
entry points, several paths each) until the time is up. Every minute this prints LocalStack's
resident memory (the LocalStack process itself, and its process group with the Lambda handler
processes) and the rounds finished. The goal: after the first five minutes (warm-up: every
function started, every service loaded), LocalStack's RSS stays within 10 % of its minute-5
figure.

    SOAK_MINUTES=10 make bench BENCH=soak          # shorter than the default 30 minutes
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import time
import traceback

import requests

from devkit import demos, stack
from devkit.local_cloud import client, endpoint, local_aws, local_cloud_pid, memory

MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
WARM_UP_MINUTES = 5
GOAL_GROWTH = 0.10


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory of the process, and of its whole process group, in MiB."""
    found = memory(pid)
    return found.own_rss / 2**20, found.rss / 2**20


class Workflow(threading.Thread):
    """Runs one workflow's demo again and again until told to stop; counts rounds and failures."""

    def __init__(self, name: str, outputs: dict[str, str], stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.demo = demos.load(name)
        self.outputs = outputs
        self.stop = stop
        self.rounds = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.demo.run(self.outputs)
                self.rounds += 1
            except Exception as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                traceback.print_exc(file=sys.__stderr__)
                self.stop.wait(5)


def holdings(outputs: dict[str, str]) -> list[tuple[str, int, int]]:
    """What the local cloud keeps for the stack: (what, how many, bytes as JSON or stored)."""
    rows = []
    sfn = client("stepfunctions")
    for key, arn in sorted(outputs.items()):
        if not key.endswith("StateMachineArn"):
            continue
        executions = [
            execution["executionArn"]
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
            for execution in page["executions"]
        ]
        sample = executions[:10]
        history = sum(
            len(json.dumps(sfn.get_execution_history(executionArn=e, maxResults=1000), default=str))
            for e in sample
        )
        estimate = history // len(sample) * len(executions) if sample else 0
        rows.append(
            (f"{key.removesuffix('StateMachineArn')} executions", len(executions), estimate)
        )
    groups = client("logs").describe_log_groups()["logGroups"]
    rows.append(("log groups", len(groups), sum(g.get("storedBytes", 0) for g in groups)))
    s3 = client("s3")
    for key, bucket in sorted(outputs.items()):
        if key.endswith("BucketName"):
            objects = [
                item
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for item in page.get("Contents", [])
            ]
            rows.append((f"{bucket} objects", len(objects), sum(o["Size"] for o in objects)))
    dynamodb = client("dynamodb")
    for key, table in sorted(outputs.items()):
        if key.endswith("TableName"):
            described = dynamodb.describe_table(TableName=table)["Table"]
            rows.append((f"{key} items", described["ItemCount"], described["TableSizeBytes"]))
    messages = requests.get(f"{endpoint()}/_aws/ses", timeout=60).json()["messages"]
    rows.append(("SES messages kept", len(messages), len(json.dumps(messages))))
    return rows


def report(line: str) -> None:
    # The demos print what they did; the soak's own lines go to the real stdout.
    print(line, file=sys.__stdout__, flush=True)


def main() -> int:
    # The demos use plain boto3 clients, as a user's scripts would: point them at the local cloud.
    os.environ.update(local_aws())
    outputs = stack.outputs()
    pid = local_cloud_pid()
    names = demos.names()
    stop = threading.Event()
    workflows = [Workflow(name, outputs, stop) for name in names]
    report(f"soak: {MINUTES:g} minutes of {', '.join(names)}; LocalStack pid {pid}")
    report(f"{'minute':>6}  {'LocalStack RSS':>15}  {'with handlers':>14}  rounds")
    samples: list[float] = []
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()) as chatter:
        for workflow in workflows:
            workflow.start()
        minute = 0
        while minute < MINUTES:
            minute += 1
            time.sleep(max(0.0, started + min(minute, MINUTES) * 60 - time.monotonic()))
            own, group = rss_mib(pid)
            samples.append(own)
            rounds = ", ".join(f"{w.name} {w.rounds}" for w in workflows)
            report(f"{minute:>6}  {own:>11.0f} MiB  {group:>10.0f} MiB  {rounds}")
            chatter.seek(0)
            chatter.truncate()
        stop.set()
        for workflow in workflows:
            workflow.join(timeout=180)
    report("what the local cloud holds for the stack at the end (bytes: history JSON, estimated)")
    for what, count, size in holdings(outputs):
        report(f"  {what:58} {count:>8}  {size / 2**20:>8.1f} MiB")
    failures = sum(len(w.failures) for w in workflows)
    report(f"rounds: {', '.join(f'{w.name} {w.rounds}' for w in workflows)}; failures {failures}")
    for workflow in workflows:
        for failure in workflow.failures[:5]:
            report(f"  {workflow.name}: {failure}")
    if len(samples) > WARM_UP_MINUTES:
        base, after = samples[WARM_UP_MINUTES - 1], samples[WARM_UP_MINUTES - 1 :]
        growth = max(after) / base - 1
        verdict = "met" if growth <= GOAL_GROWTH else "NOT met"
        report(
            f"LocalStack RSS after minute {WARM_UP_MINUTES}: {base:.0f} -> {after[-1]:.0f} MiB "
            f"(peak {max(after):.0f}), growth {growth:+.1%}; goal <= {GOAL_GROWTH:.0%}: {verdict}"
        )
    else:
        report(f"too short to judge the goal (it compares minutes after {WARM_UP_MINUTES})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
