"""One attempt to send a communication, claimed first so it happens once.

Used by the queue's worker (attempt n of the queue) and by the re-send endpoint (the next
attempt after FAILED). A claim that fails means another delivery of the same attempt, or a
newer one, got there first: nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from comms.dal import communications
from comms.dal.provider import ProviderRefused, send
from comms.logic.outcomes import after_resend_failure
from comms.models import Status


class Result(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the provider refused it
    SKIPPED = "skipped"  # not this caller's to send (already sent, claimed, or not failed)
    MISSING = "missing"


@dataclass(frozen=True)
class Attempt:
    result: Result
    attempt: int = 0
    reason: str = ""
    status: Status | None = None


def queued_attempt(table: str, communication_id: str, attempt: int, sender: str) -> Attempt:
    """The worker's attempt `attempt`: on refusal the record says RETRYING with the reason
    (the caller puts the message in the dead-letter queue)."""
    if not communications.claim(
        table,
        communication_id,
        attempt,
        allowed=(Status.QUEUED, Status.RETRYING),
        to=Status.SENDING,
    ):
        exists = communications.get(table, communication_id) is not None
        return Attempt(Result.SKIPPED if exists else Result.MISSING, attempt)
    communication = communications.get(table, communication_id)
    try:
        provider_id = send(communication, sender)
    except ProviderRefused as refused:
        communications.mark_failed_attempt(
            table, communication_id, attempt, Status.RETRYING, refused.code
        )
        return Attempt(Result.REFUSED, attempt, refused.code, Status.RETRYING)
    communications.mark_sent(table, communication_id, attempt, provider_id)
    return Attempt(Result.SENT, attempt, status=Status.SENT)


def resend_attempt(
    table: str, communication_id: str, sender: str, manual_threshold: int
) -> Attempt:
    """The re-send endpoint's attempt: only a FAILED communication, once per attempt number;
    a refusal makes it FAILED again, or MANUAL once it failed manual_threshold times in all."""
    communication = communications.get(table, communication_id)
    if communication is None:
        return Attempt(Result.MISSING)
    status = Status(communication["status"])
    if status is not Status.FAILED:
        return Attempt(Result.SKIPPED, communication.get("attempts", 0), status=status)
    attempt = int(communication.get("attempts", 0)) + 1
    if not communications.claim(
        table, communication_id, attempt, allowed=(Status.FAILED,), to=Status.RESENDING
    ):
        return Attempt(Result.SKIPPED, attempt, status=Status.RESENDING)
    try:
        provider_id = send(communication, sender)
    except ProviderRefused as refused:
        settled = after_resend_failure(attempt, manual_threshold)
        communications.mark_failed_attempt(table, communication_id, attempt, settled, refused.code)
        return Attempt(Result.REFUSED, attempt, refused.code, settled)
    communications.mark_sent(table, communication_id, attempt, provider_id)
    return Attempt(Result.SENT, attempt, status=Status.SENT)
