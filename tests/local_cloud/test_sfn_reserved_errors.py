"""Reserved `States.` error names as AWS handles them (localcloud/aws_behaviours/
sfn_reserved_errors.py): States.ALL alone and last, or the definition is refused; States.ALL
catching neither States.Runtime nor States.DataLimitExceeded; an ItemReader or ResultWriter S3
refuses failing with States.ItemReaderFailed or States.ResultWriterFailed; a stopped heartbeat
failing with States.HeartbeatTimeout, which States.TaskFailed catches."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from local_cloud.test_sfn_distributed_map import distributed_map

from devkit.local_cloud import client, wait_for_execution


def parallel_with(handlers: dict, **fields) -> dict:
    """A Parallel state of one Pass branch with the given Retry / Catch, caught to `Caught`."""
    return {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
                ],
                **handlers,
                **fields,
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": "caught", "End": True},
        },
    }


def caught(*errors: str) -> dict:
    return {"ErrorEquals": list(errors), "Next": "Caught"}


def retried(*errors: str) -> dict:
    return {"ErrorEquals": list(errors), "MaxAttempts": 1}


@pytest.mark.parametrize(
    ("handlers", "reason"),
    [
        ({"Catch": [caught("States.ALL", "Oops")]}, "must appear alone in ErrorEquals"),
        ({"Catch": [caught("States.ALL"), caught("Oops")]}, "must be in the last catcher"),
        ({"Retry": [retried("States.ALL"), retried("Oops")]}, "must be in the last retrier"),
    ],
    ids=["not-alone", "catcher-not-last", "retrier-not-last"],
)
def test_a_misplaced_states_all_is_refused_at_create(pass_only_machine_role, handlers, reason):
    # GIVEN a definition naming States.ALL beside another error, or before another handler
    definition = parallel_with(handlers)
    # WHEN it is created THEN AWS's InvalidDefinition names the rule and where it was broken
    with pytest.raises(ClientError) as refused:
        client("stepfunctions").create_state_machine(
            name=f"t-{uuid.uuid4().hex[:10]}",
            definition=json.dumps(definition),
            roleArn=pass_only_machine_role,
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidDefinition"
    assert error["Message"].startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION")
    assert reason in error["Message"] and "/States/Work/" in error["Message"]


def run(state_machine, role: str, definition: dict):
    arn = state_machine(definition, role)
    return wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )


# A function answering more than Step Functions' 256 KiB limit on a state's result.
TOO_BIG = {"app.py": "def handler(event, context):\n    return 'x' * (260 * 1024)\n"}


def calling(function: str, *handlers: dict) -> dict:
    """A Lambda task calling `function`, its catchers `handlers`, caught to `Caught`."""
    definition = parallel_with({})
    definition["States"]["Work"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload": {}},
        "Catch": list(handlers),
        "End": True,
    }
    return definition


def test_states_all_does_not_catch_a_data_limit_but_its_name_does(
    state_machine, machine_role, lambda_function
):
    # GIVEN a task whose result passes Step Functions' limit, caught by States.ALL
    function = lambda_function(TOO_BIG)
    # WHEN it runs THEN the execution fails with States.DataLimitExceeded, as on AWS
    execution = run(state_machine, machine_role, calling(function, caught("States.ALL")))
    assert execution.status == "FAILED", execution.output
    assert execution.error == "States.DataLimitExceeded"
    # AND a catcher naming States.DataLimitExceeded catches it
    by_name = calling(function, caught("States.DataLimitExceeded"), caught("States.ALL"))
    execution = run(state_machine, machine_role, by_name)
    assert (execution.status, execution.output) == ("SUCCEEDED", "caught")


def test_states_all_does_not_catch_a_runtime_error(state_machine, machine_role):
    # GIVEN a task whose Parameters name a path its input lacks (a States.Runtime error),
    # caught by States.ALL
    definition = calling("t-never-called", caught("States.ALL"))
    definition["States"]["Work"]["Parameters"]["Payload"] = {"x.$": "$.missing"}
    # WHEN it runs
    execution = run(state_machine, machine_role, definition)
    # THEN the execution fails, as on AWS: nothing catches States.Runtime
    assert execution.status == "FAILED", execution.output
    assert execution.error == "States.Runtime"


@pytest.mark.parametrize(
    ("key", "cause"),
    [("missing.json", "Error Code: NoSuchKey"), ("not-json.json", "could not be read")],
)
def test_an_unreadable_item_source_fails_with_item_reader_failed(
    state_machine, bucket, bucket_role, key, cause
):
    # GIVEN an ItemReader naming an object that does not exist, or is not JSON
    client("s3").put_object(Bucket=bucket, Key="not-json.json", Body=b"{not json")
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": key},
    }
    definition = distributed_map({"Mode": "DISTRIBUTED"}, ItemReader=reader)
    # WHEN the Map runs
    execution = run(state_machine, bucket_role("s3:GetObject"), definition)
    # THEN it fails with States.ItemReaderFailed and S3's reason, not a Python message
    assert execution.status == "FAILED"
    assert execution.error == "States.ItemReaderFailed", execution.cause
    assert cause in execution.cause


def test_results_s3_refuses_fail_with_result_writer_failed(state_machine, bucket_role):
    # GIVEN a ResultWriter exporting to a bucket that does not exist
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": f"distributed-map-{uuid.uuid4().hex[:8]}", "Prefix": "runs"},
    }
    definition = distributed_map({"Mode": "DISTRIBUTED"}, ResultWriter=writer)
    # WHEN the Map runs
    arn = state_machine(definition, bucket_role("s3:PutObject"))
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input='{"items": [1]}')[
            "executionArn"
        ]
    )
    # THEN it fails with States.ResultWriterFailed, naming S3's error
    assert execution.status == "FAILED"
    assert execution.error == "States.ResultWriterFailed", execution.cause
    assert "Error Code: NoSuchBucket" in execution.cause


# A function that leaves its task token unanswered: its task waits until a timeout.
SILENT = {"app.py": "def handler(event, context):\n    return None\n"}
HEARTBEAT = {"HeartbeatSeconds": 1, "TimeoutSeconds": 60}


@pytest.mark.parametrize(
    ("timeouts", "catching", "status"),
    [
        (HEARTBEAT, "States.HeartbeatTimeout", "SUCCEEDED"),
        (HEARTBEAT, "States.TaskFailed", "SUCCEEDED"),
        ({"TimeoutSeconds": 1}, "States.TaskFailed", "FAILED"),
    ],
    ids=["heartbeat-by-name", "heartbeat-by-task-failed", "timeout-not-by-task-failed"],
)
def test_a_stopped_heartbeat_is_a_heartbeat_timeout_that_task_failed_catches(
    state_machine, machine_role, lambda_function, timeouts, catching, status
):
    # GIVEN a task waiting for a token nobody sends, with one catcher
    definition = calling(lambda_function(SILENT), caught(catching))
    task = definition["States"]["Work"]
    task["Resource"] += ".waitForTaskToken"
    task["Parameters"]["Payload"] = {"token.$": "$$.Task.Token"}
    task.update(timeouts)
    # WHEN it times out
    execution = run(state_machine, machine_role, definition)
    # THEN a stopped heartbeat is States.HeartbeatTimeout, which States.TaskFailed catches;
    # the task's own timeout (States.Timeout) it does not, as on AWS
    assert execution.status == status, execution.error
    timed_out = [e for e in execution.history if e["type"] == "TaskTimedOut"]
    expected = "States.HeartbeatTimeout" if timeouts == HEARTBEAT else "States.Timeout"
    assert timed_out[0]["taskTimedOutEventDetails"]["error"] == expected
