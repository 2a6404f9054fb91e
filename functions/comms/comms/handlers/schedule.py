"""The scheduled rule's function: every FAILED communication, in batches, one retry execution
per batch, named by the schedule window and the batch so a repeat firing starts nothing new.
A firing while the previous round still runs starts nothing: that round's communications stay
FAILED until it reaches them, so a new round would queue every one of them again behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from common.stepfunctions import any_running, start_execution
from comms.dal import communications
from comms.logic.batching import (
    batches,
    execution_name,
    item_concurrency,
    window_seconds,
    window_start,
)
from comms.settings import ScheduleSettings

settings = load_settings(ScheduleSettings)


def fired_at(event: dict) -> datetime:
    # The rule's own firing time (a retried invocation keeps it); now when invoked by hand.
    when = event.get("time")
    if when:
        return datetime.fromisoformat(when.replace("Z", "+00:00"))
    return datetime.now(UTC)


def start_batches(now: datetime) -> dict:
    if any_running(settings.retry_state_machine_arn):
        return {
            "previousRoundRunning": True,
            "communications": 0,
            "started": 0,
            "alreadyStarted": 0,
        }
    window = window_start(now, window_seconds(settings.retry_schedule))
    size = settings.retry_batch_size
    this_round = list(batches(communications.all_failed_ids(settings.communications_table), size))
    concurrency = item_concurrency(settings.resend_concurrency, len(this_round), size)
    started = already = 0
    for batch in this_round:
        execution = start_execution(
            settings.retry_state_machine_arn,
            execution_name(window, batch),
            {
                "communicationIds": batch,
                "itemConcurrency": concurrency,
                "window": window.isoformat(),
            },
        )
        started += execution.started
        already += not execution.started
    return {
        "previousRoundRunning": False,
        "communications": sum(len(batch) for batch in this_round),
        "started": started,
        "alreadyStarted": already,
    }


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    summary = start_batches(fired_at(event))
    logger.info("retry batches", extra=summary)
    return summary
