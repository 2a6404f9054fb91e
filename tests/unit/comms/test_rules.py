"""The pure rules: batches, schedule windows and execution names, the cursor, where a
communication goes after a failure (the MANUAL threshold) and the notification's summary."""

from datetime import UTC, datetime

import pytest

from comms.logic import cursor
from comms.logic.batching import (
    batches,
    execution_name,
    item_concurrency,
    window_seconds,
    window_start,
)
from comms.logic.outcomes import after_queue_failure, after_resend_failure, summary
from comms.models import Status


def test_batches_are_of_twenty_and_the_last_holds_the_rest():
    sizes = [len(batch) for batch in batches(range(45), 20)]
    assert sizes == [20, 20, 5]
    assert list(batches([], 20)) == []


@pytest.mark.parametrize(
    ("batch_count", "expected"),
    [(1, 10), (3, 3), (10, 1), (100, 1), (0, 10)],
)
def test_a_round_asks_for_the_resend_concurrency_and_at_least_one_item_per_batch(
    batch_count, expected
):
    assert item_concurrency(10, batch_count, 20) == expected


def test_a_batch_never_asks_for_more_items_than_it_holds():
    assert item_concurrency(50, 1, 20) == 20


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(15 minutes)", 900), ("rate(2 hours)", 7200)],
)
def test_a_rate_expression_is_the_window(expression, seconds):
    assert window_seconds(expression) == seconds


def test_a_cron_expression_is_refused():
    with pytest.raises(ValueError, match="rate"):
        window_seconds("cron(0 * * * ? *)")


def test_the_same_batch_in_the_same_window_has_the_same_name():
    # GIVEN two firings inside one 15-minute window, and one in the next
    first = window_start(datetime(2026, 11, 29, 12, 1, 30, tzinfo=UTC), 900)
    again = window_start(datetime(2026, 11, 29, 12, 14, 59, tzinfo=UTC), 900)
    later = window_start(datetime(2026, 11, 29, 12, 15, 0, tzinfo=UTC), 900)
    # THEN the name depends on the window and the batch's ids, not their order
    assert first == again != later
    assert execution_name(first, ["b", "a"]) == execution_name(again, ["a", "b"])
    assert execution_name(first, ["a", "b"]) != execution_name(later, ["a", "b"])
    assert execution_name(first, ["a", "b"]) != execution_name(first, ["a", "c"])
    assert len(execution_name(first, ["a"] * 20)) <= 80


def test_a_cursor_is_opaque_and_round_trips():
    key = {"id": "c-1", "status": "FAILED", "created": "2026-11-29T12:00:00.000Z"}
    token = cursor.encode(key)
    assert "c-1" not in token
    assert cursor.decode(token) == key


@pytest.mark.parametrize("bad", ["not-a-cursor", "e30", cursor.encode.__name__, "%%%"])
def test_a_cursor_this_api_did_not_give_is_refused(bad):
    with pytest.raises(cursor.BadCursor, match="cursor"):
        cursor.decode(bad)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, Status.RETRYING), (2, Status.RETRYING), (3, Status.FAILED)],
)
def test_queue_attempts_end_in_failed(attempt, expected):
    assert after_queue_failure(attempt, max_queue_attempts=3, manual_threshold=5) is expected


def test_a_queue_failure_at_the_threshold_is_manual():
    assert after_queue_failure(3, max_queue_attempts=3, manual_threshold=3) is Status.MANUAL


@pytest.mark.parametrize(
    ("attempts", "expected"), [(4, Status.FAILED), (5, Status.MANUAL), (6, Status.MANUAL)]
)
def test_the_manual_threshold_counts_every_failure(attempts, expected):
    assert after_resend_failure(attempts, manual_threshold=5) is expected


def test_the_summary_lists_ids_and_reasons_only():
    outcome = summary(
        [
            {"id": "b", "outcome": "sent", "reason": ""},
            {"id": "a", "outcome": "manual", "reason": "MessageRejected"},
            {"id": "c", "outcome": "error", "reason": "ResendFailed"},
            {"id": "d", "outcome": "skipped", "reason": "status RESENDING"},
        ]
    )
    assert outcome["allSent"] is False
    assert outcome["subject"].startswith("[ERROR]")
    assert outcome["message"] == {
        "sent": ["b"],
        "skipped": ["d"],
        "failed": [
            {"id": "a", "outcome": "manual", "reason": "MessageRejected"},
            {"id": "c", "outcome": "error", "reason": "ResendFailed"},
        ],
        "total": 4,
    }


def test_all_sent_is_a_success():
    outcome = summary([{"id": "a", "outcome": "sent"}, {"id": "b", "outcome": "sent"}])
    assert outcome["allSent"] is True
    assert outcome["subject"] == "Communications re-sent: 2 of 2"
