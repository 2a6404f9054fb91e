"""The failed-communications retry end to end on the local cloud, through its real entry points:
the API (operator and service tokens), the queue and its dead-letter queue, the real schedule
(rate(1 minute) in the local stage, fired by moving the local cloud's clock), the retry workflow
and real provider refusals (an SES sender not verified yet; an SMS number that is not E.164)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests
from e2e.comms.comms_e2e_kit import (
    HTTP_TIMEOUT,
    POLL_SECONDS,
    Notifications,
    after_schedule_firings,
    emails_by_recipient,
    record,
    sms_by_number,
)

from devkit.local_cloud import client, wait_until
from devkit.stack import LOCAL_STACK_NAME
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
QUEUE_PHASE_SECONDS = 120  # three attempts with a 1 s requeue TTL, with room for a busy machine


@pytest.fixture(scope="module")
def operator() -> dict[str, str]:
    return bearer(reviewer_token("ops", roles=("operator",)))


@pytest.fixture(scope="module")
def unverified_sender(stack_outputs) -> str:
    """The sender SES does not accept yet (as on a new account)."""
    sender = stack_outputs["CommsSenderEmail"]
    client("ses").delete_identity(Identity=sender)
    return sender


@pytest.fixture(scope="module")
def notifications(stack_outputs):
    subscriber = Notifications(stack_outputs["CommsNotificationsTopicArn"])
    yield subscriber
    subscriber.close()


@dataclass(frozen=True)
class SmsPair:
    bad: str  # to a number SNS refuses (not E.164)
    bad_number: str
    good: str
    good_number: str


@pytest.fixture(scope="module")
def sms_pair(api, operator) -> SmsPair:
    """Two SMS, posted when the email test starts: their queue attempts and schedule firings
    (once a minute) run beside the emails', not after them."""
    bad_number, good_number = "07700 900123", f"+1555{uuid.uuid4().int % 10**7:07d}"
    return SmsPair(
        bad=post(api, operator, {"type": "sms", "recipient": bad_number, "body": "Hi"}),
        bad_number=bad_number,
        good=post(api, operator, {"type": "sms", "recipient": good_number, "body": "Hi"}),
        good_number=good_number,
    )


def stored_with(outputs: dict, communication_id: str, **expected: str) -> bool:
    """Whether the communication's record holds the expected values (as stored: strings)."""
    stored = record(outputs, communication_id)
    return all(stored[field] == value for field, value in expected.items())


def wait_until_stored(
    outputs: dict, communication_id: str, timeout: float, interval: float, **expected: str
) -> None:
    """Wait until the communication's record holds the expected values."""
    wait_until(
        lambda: stored_with(outputs, communication_id, **expected),
        timeout,
        interval,
        what=f"{communication_id} stored with {expected}",
    )


def post(api: str, headers: dict, body: dict) -> str:
    answer = requests.post(
        f"{api}/communications", json=body, headers=headers, timeout=HTTP_TIMEOUT
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def failed_ids(api: str, headers: dict, **query: str) -> set[str]:
    found, cursor = set(), None
    for _ in range(100):
        params = {**query, "limit": "20", **({"cursor": cursor} if cursor else {})}
        answer = requests.get(
            f"{api}/communications/failed", params=params, headers=headers, timeout=HTTP_TIMEOUT
        )
        assert answer.status_code == 200, answer.text
        found |= {item["id"] for item in answer.json()["communications"]}
        cursor = answer.json()["cursor"]
        if not cursor:
            return found
    raise AssertionError("the cursor never ended")


def notified(
    notifications: Notifications, ids: set[str], success: bool | None = None
) -> list[dict]:
    """The notifications that name any of these ids: of the kind asked, or of either kind."""
    matching = []
    for note in notifications.poll():
        message = note["message"]
        named = set(message["sent"] + message["skipped"]) | {i["id"] for i in message["failed"]}
        is_success = not message["failed"]
        if named & ids and success in (None, is_success):
            matching.append(note)
    return matching


def test_the_endpoints_need_an_operator(api):
    assert requests.get(f"{api}/communications/failed", timeout=HTTP_TIMEOUT).status_code == 401
    reviewer = bearer(reviewer_token("rita"))
    answer = requests.get(f"{api}/communications/failed", headers=reviewer, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 403


def test_bad_input_is_refused_and_nothing_is_stored(api, operator, stack_outputs):
    before = client("sqs").get_queue_attributes(
        QueueUrl=stack_outputs["CommunicationsQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )
    answer = requests.post(
        f"{api}/communications",
        json={"type": "email", "recipient": "nobody", "subject": "Hi", "body": "x"},
        headers=operator,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 400
    assert any(error.startswith("recipient:") for error in answer.json()["errors"])
    after = client("sqs").get_queue_attributes(
        QueueUrl=stack_outputs["CommunicationsQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )
    assert after["Attributes"] == before["Attributes"]


def test_failed_emails_are_retried_by_the_schedule_once_the_provider_works(
    api, operator, stack_outputs, unverified_sender, notifications, sms_pair, move_clock
):
    run = uuid.uuid4().hex[:8]
    recipients = [f"customer-{run}-{index}@example.com" for index in range(3)]
    # GIVEN three emails from a sender SES does not accept yet
    ids = {
        post(api, operator, {"type": "email", "recipient": r, "subject": "Statement", "body": "Hi"})
        for r in recipients
    }
    # WHEN the worker tries them: each waits in the dead-letter queue, is requeued after the
    # TTL, and after the last queue attempt they are FAILED
    for communication_id in ids:
        wait_until_stored(
            stack_outputs, communication_id, QUEUE_PHASE_SECONDS, POLL_SECONDS, status="FAILED"
        )
        stored = record(stack_outputs, communication_id)
        assert (stored["attempts"], stored["sent"]) == ("3", "0")
        assert stored["lastError"] == "MessageRejected"
    # THEN they are in the failed list (filtered by type and creator)
    assert ids <= failed_ids(api, operator, type="email", createdBy="ops")
    assert not ids & failed_ids(api, operator, type="sms")
    # WHEN the provider works again (the sender verified)
    client("ses").verify_email_identity(EmailAddress=unverified_sender)
    # THEN the real schedule fires, the workflow re-sends them through the API
    after_schedule_firings(
        move_clock,
        lambda: all(stored_with(stack_outputs, i, sent="1") for i in ids),
        what="the failed emails re-sent",
    )
    # AND notifications name them as sent (ids only; the SMS test's failing one may share their
    # firing); one whose re-send POST was retried while the first was still sending is
    # "skipped" by the retry: sent once all the same
    wait_until(
        lambda: (
            {
                i
                for n in notified(notifications, ids)
                for i in n["message"]["sent"] + n["message"]["skipped"]
            }
            >= ids
        ),
        timeout=60,
        interval=POLL_SECONDS,
        what="the success notification",
    )
    assert not any(r in str(notifications.received) for r in recipients)
    # AND each email went out exactly once
    counts = emails_by_recipient()
    assert [counts[r] for r in recipients] == [1, 1, 1]


def test_an_sms_that_keeps_failing_is_notified_and_ends_manual(
    api, operator, stack_outputs, notifications, sms_pair, move_clock
):
    # GIVEN an SMS to a number SNS refuses (not E.164), and one it accepts
    bad, good = sms_pair.bad, sms_pair.good
    bad_number, good_number = sms_pair.bad_number, sms_pair.good_number
    wait_until_stored(stack_outputs, good, 60, POLL_SECONDS, sent="1")
    # WHEN the bad one fails through the queue, then through the workflow (two firings)
    wait_until(
        lambda: int(record(stack_outputs, bad)["attempts"]) >= 3,
        QUEUE_PHASE_SECONDS,
        interval=POLL_SECONDS,
        what=f"{bad} through the queue",
    )
    after_schedule_firings(
        move_clock,
        lambda: stored_with(stack_outputs, bad, status="MANUAL"),
        what=f"{bad} MANUAL",
        firings=4,
    )
    # THEN failure notifications named it with the provider's reason
    failures = wait_until(
        lambda: notified(notifications, {bad}, False),
        timeout=60,
        interval=POLL_SECONDS,
        what="a failure",
    )
    reasons = {
        item["reason"]
        for note in failures
        for item in note["message"]["failed"]
        if item["id"] == bad
    }
    assert reasons == {"InvalidParameter"}
    assert bad_number not in str(notifications.received)
    stored = record(stack_outputs, bad)
    assert stored["attempts"] == "5" and stored["sent"] == "0"
    # AND it is not in the failed list (MANUAL is never retried), the good one went once
    assert bad not in failed_ids(api, operator)
    assert sms_by_number()[good_number] == 1


def test_the_resend_endpoint_accepts_the_workflows_service_token_only_for_resend(
    api, stack_outputs
):
    import json

    import requests as http

    # GIVEN the workflow's client credentials (what the resend function reads)
    name = f"{LOCAL_STACK_NAME}/comms/service-credentials"
    secret = json.loads(client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])
    token = http.post(
        f"{api}/sandbox/oauth2/token",
        data={"grant_type": "client_credentials", "scope": secret["scope"]},
        auth=(secret["clientId"], secret["clientSecret"]),
        timeout=HTTP_TIMEOUT,
    ).json()["access_token"]
    service = bearer(token)
    answer = http.post(
        f"{api}/communications/not-a-communication/send", headers=service, timeout=HTTP_TIMEOUT
    )
    assert answer.status_code == 404
    listed = http.get(f"{api}/communications/failed", headers=service, timeout=HTTP_TIMEOUT)
    assert listed.status_code == 403
