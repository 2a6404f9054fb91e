"""The communications API: store + enqueue, the failed list (filters, pagination) and the
re-send endpoint (once per attempt, MANUAL at the threshold)."""

import json

import boto3
import pytest

from unit.comms.comms_testkit import (
    QUEUE,
    SENDER,
    TABLE,
    api_event,
    emails_sent,
    put_communication,
    queued_messages,
    record,
)

EMAIL = {"type": "email", "recipient": "a@example.com", "subject": "Hi", "body": "Hello."}


def call(api, lambda_context, *args, **kwargs) -> tuple[int, dict]:
    answer = api.handler(api_event(*args, **kwargs), lambda_context)
    return answer["statusCode"], json.loads(answer["body"])


def stored_ids() -> list[str]:
    return [item["id"] for item in boto3.resource("dynamodb").Table(TABLE).scan()["Items"]]


def test_a_communication_is_stored_unsent_and_a_message_naming_it_enqueued(api, lambda_context):
    # WHEN an operator posts an email
    status, body = call(api, lambda_context, "POST", "/communications", EMAIL)
    # THEN it is stored with the sent flag at 0, created by the caller
    assert status == 202
    stored = record(body["id"])
    assert stored["sent"] == 0 and stored["status"] == "QUEUED"
    assert stored["createdBy"] == "ops" and stored["recipient"] == "a@example.com"
    # AND a message naming it is on the queue (no recipient, no body)
    assert queued_messages(QUEUE) == [
        {
            "primaryId": body["id"],
            "operation": "send.communications",
            "createdBy": "ops",
            "created": stored["created"],
            "attempt": 1,
        }
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EMAIL, "type": "fax"}, "type"),
        ({key: value for key, value in EMAIL.items() if key != "recipient"}, "recipient"),
        ({**EMAIL, "recipient": "not-an-address"}, "recipient"),
        ({"type": "sms", "recipient": "call me", "body": "Hi"}, "recipient"),
        ({**EMAIL, "body": "x" * 10_001}, "body"),
        ({**EMAIL, "subject": None}, "subject"),
        ({**EMAIL, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    api, lambda_context, body, field
):
    status, answer = call(api, lambda_context, "POST", "/communications", body)
    assert status == 400
    assert any(error.startswith(f"{field}:") for error in answer["errors"]), answer
    # the value itself is never echoed
    assert "not-an-address" not in json.dumps(answer)
    assert stored_ids() == [] and queued_messages(QUEUE) == []


def seed_failed_list() -> None:
    for index in range(45):
        put_communication(
            id=f"c-{index:02d}",
            type="email" if index % 3 else "sms",
            recipient="a@example.com" if index % 3 else "+15555550100",
            createdBy="ops" if index % 2 else "ada",
            created=f"2026-11-{1 + index // 5:02d}T12:{index % 60:02d}:00.000Z",
            status="FAILED",
            attempts=3,
            lastError="MessageRejected",
        )
    put_communication(id="sent-1", status="SENT", sent=1)
    put_communication(id="manual-1", status="MANUAL", attempts=5)


def every_page(api, lambda_context, query: dict) -> list[list[dict]]:
    pages, next_cursor = [], None
    for _ in range(60):  # bounded: 46 items never need more
        status, body = call(
            api,
            lambda_context,
            "GET",
            "/communications/failed",
            query={**query, **({"cursor": next_cursor} if next_cursor else {})},
        )
        assert status == 200, body
        pages.append(body["communications"])
        next_cursor = body["cursor"]
        if next_cursor is None:
            return pages
    raise AssertionError("the cursor never ended")


def test_the_failed_list_pages_through_every_failed_communication_once(api, lambda_context):
    seed_failed_list()
    pages = every_page(api, lambda_context, {"limit": "20"})
    assert [len(page) for page in pages] == [20, 20, 5]
    ids = [item["id"] for page in pages for item in page]
    assert sorted(ids) == [f"c-{index:02d}" for index in range(45)]
    # oldest first, and never a recipient or a body
    created = [item["created"] for page in pages for item in page]
    assert created == sorted(created)
    assert not {"recipient", "body", "subject"} & {key for page in pages for i in page for key in i}


def test_the_failed_list_filters_by_type_creator_and_creation_time(api, lambda_context):
    seed_failed_list()
    query = {"type": "email", "createdBy": "ops", "createdAfter": "2026-11-04T00:00:00Z"}
    pages = every_page(api, lambda_context, {**query, "limit": "4"})
    found = sorted(item["id"] for page in pages for item in page)
    expected = sorted(
        f"c-{index:02d}"
        for index in range(45)
        if index % 3 and index % 2 and f"2026-11-{1 + index // 5:02d}" >= "2026-11-04"
    )
    assert found == expected and len(found) > 4
    assert all(len(page) == 4 for page in pages[:-1])


def test_a_sparse_filter_answers_a_short_page_rather_than_reading_the_whole_index(
    api, lambda_context
):
    # GIVEN 45 failed communications, of which only the newest was created by "zed"
    seed_failed_list()
    put_communication(
        id="c-zed", createdBy="zed", created="2026-12-01T00:00:00.000Z", status="FAILED"
    )

    # WHEN a client pages through zed's, one at a time
    pages = every_page(api, lambda_context, {"createdBy": "zed", "limit": "1"})

    # THEN no request read more than its share (the first pages are empty but go on), and the
    # pages together hold zed's one communication
    assert pages[0] == [] and len(pages) > 1
    assert [item["id"] for page in pages for item in page] == ["c-zed"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"type": "fax"}, "type"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, lambda_context, query, field):
    status, body = call(api, lambda_context, "GET", "/communications/failed", query=query)
    assert status == 400
    assert any(field in error for error in body["errors"]), body


def test_a_re_send_with_a_verified_sender_sends_once(api, lambda_context):
    # GIVEN a failed email and a sender SES now accepts
    put_communication(status="FAILED", attempts=3, lastError="MessageRejected")
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    # WHEN it is re-sent, twice
    first = call(api, lambda_context, "POST", "/communications/c-1/send")
    second = call(api, lambda_context, "POST", "/communications/c-1/send")
    # THEN it went out once, the sent flag is 1, and both answers say so
    assert first == (200, {"id": "c-1", "attempt": 4, "status": "SENT", "sent": 1})
    assert second[0] == 200 and second[1]["status"] == "SENT"
    assert emails_sent() == 1
    assert record("c-1")["sent"] == 1 and "lastError" not in record("c-1")


def test_a_refused_re_send_is_failed_again_then_manual_at_the_threshold(api, lambda_context):
    # GIVEN a failed email whose sender is still not verified (threshold 5, 3 failures so far)
    put_communication(status="FAILED", attempts=3)
    # WHEN it is re-sent: the 4th failure keeps it FAILED
    status, body = call(api, lambda_context, "POST", "/communications/c-1/send")
    assert (status, body["status"], body["reason"]) == (502, "FAILED", "MessageRejected")
    # AND the 5th makes it MANUAL
    status, body = call(api, lambda_context, "POST", "/communications/c-1/send")
    assert (status, body["status"], body["attempt"]) == (502, "MANUAL", 5)
    # THEN it is never tried again, even once the provider works
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    status, body = call(api, lambda_context, "POST", "/communications/c-1/send")
    assert status == 409 and body["status"] == "MANUAL"
    assert emails_sent() == 0 and record("c-1")["attempts"] == 5


def test_a_communication_not_failed_is_not_re_sent(api, lambda_context):
    put_communication(status="RETRYING", attempts=1)
    status, body = call(api, lambda_context, "POST", "/communications/c-1/send")
    assert status == 409 and body["status"] == "RETRYING"
    assert call(api, lambda_context, "POST", "/communications/nope/send")[0] == 404
