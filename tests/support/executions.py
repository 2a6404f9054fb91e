"""Looking into a state machine's executions on the local cloud: which started since a moment,
with what input, and how often a state's task ran in one."""

from __future__ import annotations

import json
from datetime import datetime

from devkit.local_cloud import Execution, client


def started_since(state_machine_arn: str, since: datetime) -> list[tuple[str, dict]]:
    """The name and input of every execution of the state machine started since `since`."""
    sfn = client("stepfunctions")
    started = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        for execution in page["executions"]:
            if execution["startDate"] >= since:
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                started.append((execution["name"], json.loads(described["input"])))
    return started


def task_attempts(execution: Execution, state: str) -> int:
    """How many times this state's task was scheduled (1 + its retries)."""
    count, current = 0, None
    for event in execution.history:
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskScheduled" and current == state:
            count += 1
    return count
