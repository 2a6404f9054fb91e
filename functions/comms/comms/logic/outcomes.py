"""Where a communication goes after an attempt, and what the workflow reports."""

from __future__ import annotations

from typing import Any

from comms.models import Status


def after_queue_failure(attempt: int, max_queue_attempts: int, manual_threshold: int) -> Status:
    """The status once the dead-letter queue hands back a failed attempt: requeued (RETRYING)
    until the queue attempts are spent, then FAILED, or MANUAL if it failed too often in all."""
    if attempt >= manual_threshold:
        return Status.MANUAL
    return Status.RETRYING if attempt < max_queue_attempts else Status.FAILED


def after_resend_failure(attempts: int, manual_threshold: int) -> Status:
    return Status.MANUAL if attempts >= manual_threshold else Status.FAILED


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The notification of one batch: ids and reasons only (never recipients or bodies)."""
    sent = sorted(result["id"] for result in results if result.get("outcome") == "sent")
    # Skipped: another execution or caller had it (claimed, or already sent): not a failure.
    skipped = sorted(result["id"] for result in results if result.get("outcome") == "skipped")
    failed = [
        {
            "id": result["id"],
            "outcome": result.get("outcome", "error"),
            "reason": result.get("reason", "unknown"),
        }
        for result in results
        if result.get("outcome") not in ("sent", "skipped")
    ]
    failed.sort(key=lambda item: item["id"])
    all_sent = not failed
    subject = (
        f"Communications re-sent: {len(sent)} of {len(results)}"
        if all_sent
        else f"[ERROR] Communications not re-sent: {len(failed)} of {len(results)}"
    )
    return {
        "allSent": all_sent,
        "subject": subject,
        "message": {"sent": sent, "skipped": skipped, "failed": failed, "total": len(results)},
    }
