"""The dead-letter queue's consumer: a failed attempt comes back after the requeue TTL and is
put on the communications queue as the next attempt, until the queue attempts are spent; then
the communication is FAILED (for the retry workflow), or MANUAL if it failed too often in all.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from common.batch import sqs_batch_handler
from common.observability import logger
from common.settings import load_settings
from comms.dal import communications, queues
from comms.logic.outcomes import after_queue_failure
from comms.models import SendRequest, Status
from comms.settings import RequeueSettings

settings = load_settings(RequeueSettings)


def requeue_one(record: SQSRecord) -> str:
    request = SendRequest.model_validate(json.loads(record.body))
    table = settings.communications_table
    communication = communications.get(table, request.primaryId)
    if communication is None or communication.get("sent") == 1:
        return "done"
    if communication["status"] == Status.SENDING:
        # Dead-lettered by the queue's redrive (the worker crashed mid-attempt, every delivery):
        # it can be tried again, as the next attempt.
        communications.settle(
            table,
            request.primaryId,
            Status.SENDING,
            Status.RETRYING,
            settle_by=communications.now_epoch() + communications.CLAIM_LEASE_SECONDS,
        )
    status = after_queue_failure(
        request.attempt, settings.max_queue_attempts, settings.manual_threshold
    )
    if status is Status.RETRYING:
        queues.enqueue(
            settings.queue_url, request.model_copy(update={"attempt": request.attempt + 1})
        )
    else:
        communications.settle(table, request.primaryId, Status.RETRYING, status)
    logger.info(
        "requeue", extra={"id": request.primaryId, "attempt": request.attempt, "to": str(status)}
    )
    return str(status)


handler = sqs_batch_handler(requeue_one)
