"""Step Functions: start a calculation, read its state, answer its task tokens."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from common.aws import client

# The token's task is over (timed out, or its execution ended): no answer can land any more.
TOKEN_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class TokenNoLongerAccepted(Exception):
    """Step Functions refused an answer because the task no longer waits for it."""


def start(state_machine_arn: str, calculation_id: str, execution_input: dict) -> str:
    return client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn, name=calculation_id, input=json.dumps(execution_input)
    )["executionArn"]


def execution_arn(state_machine_arn: str, calculation_id: str) -> str:
    # arn:...:stateMachine:<name>  ->  arn:...:execution:<name>:<execution name>
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{calculation_id}"


def describe(arn: str) -> dict | None:
    try:
        return client("stepfunctions").describe_execution(executionArn=arn)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
            return None
        raise


def _answer(call, **kwargs) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] in TOKEN_GONE:
            raise TokenNoLongerAccepted(error.response["Error"]["Code"]) from error
        raise


def succeed(task_token: str, output: dict) -> None:
    _answer(
        client("stepfunctions").send_task_success, taskToken=task_token, output=json.dumps(output)
    )


def fail(task_token: str, error: str, cause: str) -> None:
    _answer(
        client("stepfunctions").send_task_failure, taskToken=task_token, error=error, cause=cause
    )
