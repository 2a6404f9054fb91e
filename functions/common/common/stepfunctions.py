"""Step Functions: start an execution once per name, and answer a task token.

Answering a waiting task from an API (a person's decision) is claim -> send -> release on
failure: the claim (a conditional write in the caller's table) makes two answers impossible, and
releasing it when the answer could not be sent keeps the task answerable instead of stranding it
until it times out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from common.aws import client

# The task no longer waits for an answer (timed out, its execution ended, or the token is not
# one Step Functions issued): no answer can land, now or later.
TASK_GONE = frozenset({"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"})


class TaskNoLongerWaiting(Exception):
    """Step Functions refused the answer: the task is over (the error code is the message)."""


class AnswerNotDelivered(Exception):
    """The answer could not be sent (throttled past botocore's retries, service unreachable);
    the task still waits, so sending again later may work."""


@dataclass(frozen=True)
class Execution:
    arn: str
    started: bool  # False: an execution of this name already existed, nothing was started


def execution_arn(state_machine_arn: str, name: str) -> str:
    # arn:...:stateMachine:<machine>  ->  arn:...:execution:<machine>:<name>
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def start_execution(
    state_machine_arn: str, name: str, execution_input: dict[str, Any]
) -> Execution:
    """Start `name` once. Step Functions answers a repeated name with the running execution
    (same input) or ExecutionAlreadyExists (finished, or other input): never a second run."""
    sfn = client("stepfunctions")
    document = json.dumps(execution_input, separators=(",", ":"), sort_keys=True, allow_nan=False)
    arn = execution_arn(state_machine_arn, name)
    try:
        started = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=document)
    except sfn.exceptions.ExecutionAlreadyExists:
        return Execution(arn, started=False)
    # The same ARN back for a repeat of a running execution's request: AWS does not say which.
    return Execution(started["executionArn"], started=True)


def any_running(state_machine_arn: str) -> bool:
    """Whether an execution of the state machine is still running."""
    found = client("stepfunctions").list_executions(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING", maxResults=1
    )
    return bool(found["executions"])


def describe_execution(arn: str) -> dict[str, Any] | None:
    try:
        return client("stepfunctions").describe_execution(executionArn=arn)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
            return None
        raise


def _send(call: str, **kwargs: str) -> None:
    try:
        getattr(client("stepfunctions"), call)(**kwargs)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in TASK_GONE:
            raise TaskNoLongerWaiting(code) from error
        # ThrottlingException and the like, after botocore's own retries.
        raise AnswerNotDelivered(code) from error
    except BotoCoreError as error:
        raise AnswerNotDelivered(type(error).__name__) from error


def send_task_success(task_token: str, output: dict[str, Any]) -> None:
    """Raises TaskNoLongerWaiting or AnswerNotDelivered."""
    _send("send_task_success", taskToken=task_token, output=json.dumps(output, allow_nan=False))


def send_task_failure(task_token: str, error: str, cause: str) -> None:
    """Raises TaskNoLongerWaiting or AnswerNotDelivered."""
    _send("send_task_failure", taskToken=task_token, error=error, cause=cause)


class Delivery(StrEnum):
    DELIVERED = "delivered"
    NOT_PENDING = "not_pending"  # nothing to claim: already answered, or never asked
    TASK_GONE = "task_gone"  # claimed, but the task had stopped waiting: the claim stays


@dataclass(frozen=True)
class Answered[T]:
    delivery: Delivery
    claimed: T | None = None


def answer_claimed_task[T](
    claim: Callable[[], T | None],
    task_token: Callable[[T], str | None],
    send: Callable[[str], None],
    release: Callable[[T], None],
) -> Answered[T]:
    """Claim the waiting task in the caller's store, send its answer, and release the claim if
    the answer did not go out (then AnswerNotDelivered is raised: the task is still answerable).

    claim returns the claimed record, or None when nothing is pending; send is
    send_task_success/send_task_failure bound to the answer.
    """
    claimed = claim()
    if claimed is None:
        return Answered(Delivery.NOT_PENDING)
    token = task_token(claimed)
    if not token:
        return Answered(Delivery.NOT_PENDING, claimed)
    try:
        send(token)
    except TaskNoLongerWaiting:
        return Answered(Delivery.TASK_GONE, claimed)
    except Exception as error:
        release(claimed)
        if isinstance(error, AnswerNotDelivered):
            raise
        raise AnswerNotDelivered(type(error).__name__) from error
    return Answered(Delivery.DELIVERED, claimed)
