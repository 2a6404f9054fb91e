"""One attempt to send a communication, claimed first so it happens once.

Used by the queue's worker (attempt n of the queue) and by the re-send endpoint (the next
attempt after FAILED). A claim that fails means another delivery of the same attempt, or a
newer one, got there first: nothing is sent. A claim is a lease: while it runs, the same
attempt asked again is IN_FLIGHT (its holder may still finish it); once it has lapsed, the
holder died and the same attempt may be claimed again (communications.claim).
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
    IN_FLIGHT = "in flight"  # this very attempt is claimed and its lease has not lapsed yet
    MISSING = "missing"


@dataclass(frozen=True)
class Attempt:
    result: Result
    attempt: int = 0
    reason: str = ""
    status: Status | None = None


def queued_attempt(
    table: str, communication_id: str, attempt: int, sender: str, requeue_ttl_seconds: int
) -> Attempt:
    """The worker's attempt `attempt`: on refusal the record says RETRYING with the reason
    (the caller puts the message in the dead-letter queue for `requeue_ttl_seconds`), due to
    be claimed again a lease after that."""
    if not communications.claim(
        table,
        communication_id,
        attempt,
        allowed=(Status.QUEUED, Status.RETRYING),
        to=Status.SENDING,
    ):
        return _not_claimed(communications.get(table, communication_id), attempt, Status.SENDING)
    communication = communications.get(table, communication_id)
    try:
        provider_id = send(communication, sender)
    except ProviderRefused as refused:
        communications.mark_failed_attempt(
            table,
            communication_id,
            attempt,
            Status.RETRYING,
            refused.code,
            settle_by=retry_due(requeue_ttl_seconds),
        )
        return Attempt(Result.REFUSED, attempt, refused.code, Status.RETRYING)
    communications.mark_sent(table, communication_id, attempt, provider_id)
    return Attempt(Result.SENT, attempt, status=Status.SENT)


def retry_due(requeue_ttl_seconds: int) -> int:
    """When a RETRYING communication is overdue: its dead-letter message back after the TTL,
    and the next attempt claimed within a lease of that."""
    return communications.now_epoch() + requeue_ttl_seconds + communications.CLAIM_LEASE_SECONDS


def resend_attempt(
    table: str, communication_id: str, sender: str, manual_threshold: int
) -> Attempt:
    """The re-send endpoint's attempt: only a FAILED communication (or a re-send whose holder
    died), once per attempt number; a refusal makes it FAILED again, or MANUAL once it failed
    manual_threshold times in all."""
    communication = communications.get(table, communication_id)
    if communication is None:
        return Attempt(Result.MISSING)
    status = Status(communication["status"])
    if status not in (Status.FAILED, Status.RESENDING):
        return Attempt(Result.SKIPPED, communication.get("attempts", 0), status=status)
    # A claim leaves `attempts` as it was: a RESENDING's next attempt is the one it claimed.
    attempt = int(communication.get("attempts", 0)) + 1
    if not communications.claim(
        table, communication_id, attempt, allowed=(Status.FAILED,), to=Status.RESENDING
    ):
        return _not_claimed(communications.get(table, communication_id), attempt, Status.RESENDING)
    try:
        provider_id = send(communication, sender)
    except ProviderRefused as refused:
        settled = after_resend_failure(attempt, manual_threshold)
        communications.mark_failed_attempt(table, communication_id, attempt, settled, refused.code)
        return Attempt(Result.REFUSED, attempt, refused.code, settled)
    communications.mark_sent(table, communication_id, attempt, provider_id)
    return Attempt(Result.SENT, attempt, status=Status.SENT)


def _not_claimed(communication: dict | None, attempt: int, claimed_as: Status) -> Attempt:
    if communication is None:
        return Attempt(Result.MISSING, attempt)
    status = Status(communication["status"])
    in_flight = (
        status is claimed_as
        and communication.get("sent") == 0
        and communication.get("claimedAttempt") == attempt
    )
    return Attempt(Result.IN_FLIGHT if in_flight else Result.SKIPPED, attempt, status=status)
