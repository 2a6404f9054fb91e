"""Step Functions execution status changes -> execution-level screening log entries: started,
succeeded, failed, timed out, aborted. The execution's input and output are not logged (they
hold personal data).

EventBridge delivers the events to a queue, read here in batches (Powertools batch processing):
a burst of executions costs a tenth of the invocations, and an entry that cannot be written is
retried on its own, then kept in the queue's dead-letter queue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.batch import sqs_batch_handler
from common.errors import field_errors
from common.observability import logger, traced
from common.settings import load_settings
from prescreening.dal import executions, screening_log
from prescreening.dal.screening_log import LogType
from prescreening.settings import ScreeningLogSettings

settings = load_settings(ScreeningLogSettings)

# AWS's status names, as the log calls them.
EVENTS = {
    "RUNNING": "STARTED",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "TIMED_OUT",
    "ABORTED": "ABORTED",
}
MAX_CAUSE = 1000


class ExecutionStatusChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str = Field(alias="stateMachineArn")
    name: str
    status: str
    start_date: int | None = Field(None, alias="startDate")
    stop_date: int | None = Field(None, alias="stopDate")
    input: str | None = None
    error: str | None = None
    cause: str | None = None


class ExecutionStatusChangeEvent(EventBridgeModel):
    detail: ExecutionStatusChange


class UnreadableStatusChange(Exception):
    """A queued message that is not a status-change event (says where, never the content)."""


def _iso(epoch_millis: int | None) -> str | None:
    if epoch_millis is None:
        return None
    moment = datetime.fromtimestamp(epoch_millis / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def application_id(change: ExecutionStatusChange) -> str:
    """From the input when it names one, else from the execution's name."""
    try:
        found = json.loads(change.input or "{}").get("applicationId")
    except (ValueError, AttributeError):
        found = None
    return found if isinstance(found, str) and found else executions.application_id_of(change.name)


def log_entry(change: ExecutionStatusChange) -> dict[str, Any]:
    event = EVENTS.get(change.status, change.status)
    details = {
        "executionArn": change.execution_arn,
        "status": change.status,
        "startDate": _iso(change.start_date),
        "stopDate": _iso(change.stop_date),
        "error": change.error,
        "cause": change.cause[:MAX_CAUSE] if change.cause else None,
    }
    return screening_log.entry(
        application_id(change),
        LogType.EXECUTION,
        event,
        {key: value for key, value in details.items() if value is not None},
        execution_name=change.name,
        logged_at=_iso(change.stop_date or change.start_date),
    )


@traced
def log_status_change(record: SQSRecord) -> str:
    try:
        change = ExecutionStatusChangeEvent.model_validate_json(record.body).detail
    except ValidationError as error:
        # The event carries the execution's input: the error names fields, never values.
        raise UnreadableStatusChange("; ".join(field_errors(error))) from None
    entry = log_entry(change)
    screening_log.write(settings.screening_log_table, [entry])
    logger.info(
        "execution status logged",
        extra={"application_id": entry["applicationId"], "event": entry["event"]},
    )
    return entry["entry"]


handler = sqs_batch_handler(log_status_change)
