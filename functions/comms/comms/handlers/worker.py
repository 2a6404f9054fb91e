"""The communications queue's worker: one send attempt per message, claimed once.

A provider refusal puts the message in the dead-letter queue, where it waits the requeue TTL
(its delay) before the requeue function takes it back; the message itself is then done. Any
other error fails the record, so SQS redelivers it (and its redrive policy dead-letters it).
So does an attempt another invocation holds (IN_FLIGHT): if that one died, the redelivery
comes after the visibility timeout, when its claim has lapsed and can be taken again.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from common.batch import sqs_batch_handler
from common.observability import logger
from common.settings import load_settings
from comms.attempts import Result, queued_attempt
from comms.dal import queues
from comms.models import SendRequest
from comms.settings import WorkerSettings

settings = load_settings(WorkerSettings)


class AttemptInFlight(Exception):
    """Another invocation holds this attempt's claim: deliver the message again later."""


def send_one(record: SQSRecord) -> str:
    request = SendRequest.model_validate(json.loads(record.body))
    attempt = queued_attempt(
        settings.communications_table,
        request.primaryId,
        request.attempt,
        settings.sender_email,
        settings.requeue_ttl_seconds,
    )
    logger.info(
        "attempt",
        extra={
            "id": request.primaryId,
            "attempt": request.attempt,
            "result": str(attempt.result),
            "reason": attempt.reason,
        },
    )
    if attempt.result is Result.IN_FLIGHT:
        raise AttemptInFlight(request.primaryId)
    if attempt.result is Result.REFUSED:
        queues.enqueue(
            settings.dead_letter_queue_url, request, delay_seconds=settings.requeue_ttl_seconds
        )
    return str(attempt.result)


handler = sqs_batch_handler(send_one)
