"""The scheduled rule's function: every FAILED communication, in batches, one retry execution
per batch, named by the schedule window and the batch so a repeat firing starts nothing new."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from common.stepfunctions import start_execution
from comms.dal import communications
from comms.logic.batching import batches, execution_name, window_seconds, window_start
from comms.settings import ScheduleSettings

settings = load_settings(ScheduleSettings)


def fired_at(event: dict) -> datetime:
    # The rule's own firing time (a retried invocation keeps it); now when invoked by hand.
    when = event.get("time")
    if when:
        return datetime.fromisoformat(when.replace("Z", "+00:00"))
    return datetime.now(UTC)


def start_batches(now: datetime) -> dict:
    window = window_start(now, window_seconds(settings.retry_schedule))
    started = already = total = 0
    for batch in batches(
        communications.all_failed_ids(settings.communications_table), settings.retry_batch_size
    ):
        total += len(batch)
        execution = start_execution(
            settings.retry_state_machine_arn,
            execution_name(window, batch),
            {"communicationIds": batch, "window": window.isoformat()},
        )
        started += execution.started
        already += not execution.started
    return {"communications": total, "started": started, "alreadyStarted": already}


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    summary = start_batches(fired_at(event))
    logger.info("retry batches", extra=summary)
    return summary
