"""Step Functions executions share a parsed definition and their tasks' clients
(localcloud/speed/sfn_definition_cache.py, localcloud/speed/assumed_role_cache.py) without sharing
state: each execution counts its own retries, an updated definition is what new executions run, and
tasks keep reaching their functions call after call."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from devkit.local_cloud import client, wait_for_execution

FAILING = {"app.py": "def handler(event, context):\n    raise ValueError('always')\n"}
ECHO = {"app.py": "def handler(event, context):\n    return {'seen': event['n']}\n"}


def retrying_definition(function_arn: str, attempts: int) -> str:
    return json.dumps(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
                    "Retry": [
                        {
                            "ErrorEquals": ["ValueError"],
                            "IntervalSeconds": 1,
                            "MaxAttempts": attempts,
                            "BackoffRate": 1,
                        }
                    ],
                    "End": True,
                }
            },
        }
    )


def run_all(state_machine_arn: str, inputs: list[dict]) -> list:
    sfn = client("stepfunctions")
    arns = [
        sfn.start_execution(stateMachineArn=state_machine_arn, input=json.dumps(item))[
            "executionArn"
        ]
        for item in inputs
    ]
    with ThreadPoolExecutor(len(arns)) as pool:
        return list(pool.map(lambda arn: wait_for_execution(arn, timeout=90), arns))


def test_executions_running_side_by_side_count_their_own_retries(lambda_function, state_machine):
    # GIVEN a task that always fails, retried twice, in one state machine
    function_arn = client("lambda").get_function(FunctionName=lambda_function(FAILING))[
        "Configuration"
    ]["FunctionArn"]
    arn = state_machine(retrying_definition(function_arn, attempts=2))
    # WHEN four executions run at once, then one more after them
    executions = run_all(arn, [{"n": n} for n in range(4)])
    executions += run_all(arn, [{"n": 4}])
    # THEN each one tried exactly three times (the first try and its own two retries)
    for execution in executions:
        assert execution.status == "FAILED"
        assert execution.error == "ValueError"
        assert len(execution.events("TaskScheduled")) == 3


def test_an_updated_definition_is_what_new_executions_run(lambda_function, state_machine):
    sfn = client("stepfunctions")
    function_arn = client("lambda").get_function(FunctionName=lambda_function(FAILING))[
        "Configuration"
    ]["FunctionArn"]
    # GIVEN a state machine that ran with one retry
    arn = state_machine(retrying_definition(function_arn, attempts=1))
    [before] = run_all(arn, [{"n": 0}])
    # WHEN its definition is updated to retry twice
    sfn.update_state_machine(
        stateMachineArn=arn, definition=retrying_definition(function_arn, attempts=2)
    )
    [after] = run_all(arn, [{"n": 1}])
    # THEN the next execution follows the new definition
    assert len(before.events("TaskScheduled")) == 2
    assert len(after.events("TaskScheduled")) == 3


def test_tasks_reach_their_function_call_after_call(lambda_function, state_machine):
    # GIVEN a state machine whose task invokes a function as the state machine's role
    function_arn = client("lambda").get_function(FunctionName=lambda_function(ECHO))[
        "Configuration"
    ]["FunctionArn"]
    arn = state_machine(retrying_definition(function_arn, attempts=0))
    # WHEN it runs several times, some at once
    executions = run_all(arn, [{"n": n} for n in range(3)]) + run_all(arn, [{"n": 3}])
    # THEN every invocation got its own input and answered
    assert [e.status for e in executions] == ["SUCCEEDED"] * 4
    assert [e.output["Payload"]["seen"] for e in executions] == [0, 1, 2, 3]
