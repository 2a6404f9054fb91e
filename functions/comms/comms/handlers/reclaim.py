"""The scheduled sweeper: communications whose holder died go back to the retry path, and
communications stored whose message never reached the queue get it.

A claim is a lease (communications.claim): a communication still SENDING, RESENDING or
RETRYING after its settleBy was dropped by an invocation that died (a timeout while the
provider throttled, a failed write after the provider accepted). Each is returned once, by a
conditional write: a lost send is a failed attempt whose message goes to the dead-letter queue
(the requeue function then does what it does for a refusal), a lost re-send is settled as a
refused one, and a RETRYING whose dead-letter message was lost gets it again (a duplicate is
harmless: each attempt is claimed once). A QUEUED past its settleBy (the API stored it, then
queueing its message failed, or the queue is far behind) gets its message queued again, once per
QUEUED_LEASE_SECONDS. How many were found is a metric an alarm watches.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import instrumented, logger
from common.settings import load_settings
from comms.attempts import retry_due
from comms.dal import communications, metrics, queues
from comms.logic.outcomes import after_resend_failure
from comms.models import SendRequest, Status
from comms.settings import ReclaimSettings

settings = load_settings(ReclaimSettings)
LOST = "AttemptLost"  # lastError of an attempt whose holder died
METRIC = "LapsedCommunications"
MAX_PAGES = 5  # of the index per status and run: a larger backlog waits for the next runs


def _dead_letter(communication: dict[str, Any], delay_seconds: int) -> None:
    request = SendRequest(
        primaryId=communication["id"],
        createdBy=communication["createdBy"],
        created=communication["created"],
        attempt=int(communication["claimedAttempt"]),
    )
    queues.enqueue(settings.dead_letter_queue_url, request, delay_seconds=delay_seconds)


def lost_enqueue(communication: dict[str, Any]) -> bool:
    table = settings.communications_table
    due = communications.now_epoch() + communications.QUEUED_LEASE_SECONDS
    if not communications.postpone(table, communication, due):
        return False
    request = SendRequest(
        primaryId=communication["id"],
        createdBy=communication["createdBy"],
        created=communication["created"],
    )
    queues.enqueue(settings.queue_url, request)
    return True


def lost_send(communication: dict[str, Any]) -> bool:
    ttl = settings.requeue_ttl_seconds
    table = settings.communications_table
    if not communications.take_back(table, communication, Status.RETRYING, LOST, retry_due(ttl)):
        return False
    _dead_letter(communication, delay_seconds=ttl)
    return True


def lost_resend(communication: dict[str, Any]) -> bool:
    table = settings.communications_table
    status = after_resend_failure(int(communication["claimedAttempt"]), settings.manual_threshold)
    return communications.take_back(table, communication, status, LOST, settle_by=None)


def lost_dead_letter(communication: dict[str, Any]) -> bool:
    table = settings.communications_table
    if not communications.postpone(table, communication, retry_due(0)):
        return False
    _dead_letter(communication, delay_seconds=0)
    return True


RETURN = {
    Status.QUEUED: lost_enqueue,
    Status.SENDING: lost_send,
    Status.RESENDING: lost_resend,
    Status.RETRYING: lost_dead_letter,
}


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    now = communications.now_epoch()
    found = returned = 0
    for status, give_back in RETURN.items():
        for communication in communications.lapsed(
            settings.communications_table, status, now, MAX_PAGES
        ):
            found += 1
            was_returned = give_back(communication)
            returned += was_returned
            logger.info(
                "lapsed",
                extra={
                    "id": communication["id"],
                    "status": str(status),
                    "returned": was_returned,
                },
            )
    metrics.put_count(settings.metrics_namespace, METRIC, found)
    return {"lapsed": found, "returned": returned}
