"""The pre-screening state machine: starting executions and answering its task tokens."""

from __future__ import annotations

import json
from typing import Any

from common.aws import client
from prescreening.settings import settings

EXECUTION_NAME_PREFIX = "PreScreening-"


def execution_name(application_id: str) -> str:
    return EXECUTION_NAME_PREFIX + application_id


def application_id_of(execution_name: str) -> str:
    return execution_name.removeprefix(EXECUTION_NAME_PREFIX)


class AlreadyStarted(Exception):
    """An execution with this application's name exists: this record is a duplicate."""


def start(application: dict[str, Any]) -> str:
    sfn = client("stepfunctions")
    try:
        return sfn.start_execution(
            stateMachineArn=settings().state_machine_arn,
            name=execution_name(application["applicationId"]),
            input=json.dumps(application, separators=(",", ":"), sort_keys=True),
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists as error:
        raise AlreadyStarted from error


class ReviewNoLongerPending(Exception):
    """The execution stopped waiting (timed out or ended) before the review arrived."""


def resume_after_review(task_token: str, verdict: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    try:
        sfn.send_task_success(taskToken=task_token, output=json.dumps(verdict))
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken) as error:
        raise ReviewNoLongerPending from error
