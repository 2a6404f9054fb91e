"""The marker test: applications carry marker values in every personal field through the real
entry points; then every log group, every execution history, every queue (dead-letter queues
included), every SNS message (caught by a subscribed queue) and every API answer is read back:
no marker anywhere.

Covered: pre-screening (approve, referral decided with a reviewer's note, a rejected record)
and approval's status answers. Payroll's marker run is not here yet.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from prescreening.sandbox import sample_application
from support.localcloud import client, wait_until
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30

# Distinctive values, one per personal field (found by substring, case-insensitively).
MARKERS = {
    "name": "Zqxmarker Vwykname",
    "email": "zqxmarker.mail@example.com",
    "line1": "7 Zqxmarker Lane",
    "city": "Zqxmarkcity",
    "postcode": "ZQ7 4XM",
    "employer": "Zqxmarker Employer Works",
    "dateOfBirth": "1971-03-17",
    "annualIncome": 91357.13,
    "note": "Zqxmarker reviewer note",
}
NATIONAL_IDS = {"approve": "781357246", "refer": "641357246"}


def marked_application(outcome: str) -> dict:
    application = sample_application(outcome)
    del application["applicationId"]
    applicant = application["applicant"]
    applicant.update(
        name=MARKERS["name"],
        email=MARKERS["email"],
        dateOfBirth=MARKERS["dateOfBirth"],
        nationalId=NATIONAL_IDS[outcome],
    )
    applicant["address"].update(
        line1=MARKERS["line1"], city=MARKERS["city"], postcode=MARKERS["postcode"]
    )
    application["employment"].update(
        employer=MARKERS["employer"], annualIncome=MARKERS["annualIncome"]
    )
    return application


def markers_in(text: str) -> list[str]:
    lowered = text.lower()
    values = [*map(str, MARKERS.values()), *NATIONAL_IDS.values()]
    return [value for value in values if value.lower() in lowered]


@pytest.fixture
def subscribed_queues(stack_outputs):
    """A queue subscribed to every topic of the stack; yields a reader of all it caught."""
    sqs, sns = client("sqs"), client("sns")
    url = sqs.create_queue(QueueName=f"privacy-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topics = [value for key, value in stack_outputs.items() if key.endswith("TopicArn")]
    subscriptions = [
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
        for topic in topics
    ]
    caught: list[str] = []

    def read() -> list[str]:
        while messages := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            caught.extend(m["Body"] for m in messages)
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return caught

    yield read
    for subscription in subscriptions:
        sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=url)


def every_queue_message() -> dict[str, list[str]]:
    """Every message of every queue, peeked (visibility 0: left for their readers)."""
    sqs = client("sqs")
    found = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        bodies = []
        for _ in range(5):
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            bodies.extend(m["Body"] for m in messages)
            if len(messages) < 10:
                break
        found[url] = bodies
    return found


def every_log_line(since_millis: int) -> dict[str, str]:
    logs = client("logs")
    lines = {}
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            events = []
            for events_page in logs.get_paginator("filter_log_events").paginate(
                logGroupName=name, startTime=since_millis
            ):
                events.extend(e["message"] for e in events_page["events"])
            lines[name] = "\n".join(events)
    return lines


def every_execution_history(stack_outputs, since: float) -> dict[str, str]:
    sfn = client("stepfunctions")
    histories = {}
    machines = [v for k, v in stack_outputs.items() if k.endswith("StateMachineArn")]
    for machine in machines:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
            for execution in page["executions"]:
                if execution["startDate"].timestamp() < since - 1:
                    continue
                arn = execution["executionArn"]
                events = [
                    event
                    for history in sfn.get_paginator("get_execution_history").paginate(
                        executionArn=arn
                    )
                    for event in history["events"]
                ]
                described = sfn.describe_execution(executionArn=arn)
                histories[arn] = json.dumps([described, events], default=str)
    return histories


def test_no_marker_reaches_a_log_a_history_a_queue_a_message_or_an_answer(
    stack_outputs, subscribed_queues
):
    api = stack_outputs["ApiUrl"]
    started, since_millis = time.time(), int(time.time() * 1000)
    answers: list[str] = []
    reviewer = bearer(reviewer_token("rita"))

    # GIVEN applications with markers in every personal field, submitted over HTTP
    ids = {}
    for outcome in ("approve", "refer"):
        response = requests.post(
            f"{api}/applications", json=marked_application(outcome), timeout=HTTP_TIMEOUT
        )
        answers.append(response.text)
        assert response.status_code == 202, response.text
        ids[outcome] = response.json()["applicationId"]
    # AND a record on the stream that is no application (it is rejected)
    broken = marked_application("approve")
    broken["applicationId"] = f"privacy-{uuid.uuid4().hex[:8]}"
    del broken["applicant"]["nationalId"]
    client("kinesis").put_record(
        StreamName=stack_outputs["ApplicationStreamName"],
        Data=json.dumps(broken).encode(),
        PartitionKey=broken["applicationId"],
    )

    def status(application_id: str) -> dict:
        response = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
        answers.append(response.text)
        return response.json() if response.status_code == 200 else {}

    # WHEN they are screened, the referral decided by a reviewer with a note
    def settled(application_id: str):
        found = status(application_id)
        return found if found.get("status") in {"decided", "awaiting_review", "failed"} else None

    assert wait_until(lambda: settled(ids["approve"]), 120, what="the approval")["status"] == (
        "decided"
    )
    if wait_until(lambda: settled(ids["refer"]), 120, what="the referral")["status"] == (
        "awaiting_review"
    ):
        listed = requests.get(f"{api}/reviews", headers=reviewer, timeout=HTTP_TIMEOUT)
        answers.append(listed.text)
        decided = requests.post(
            f"{api}/reviews/{ids['refer']}",
            json={"outcome": "approve", "note": MARKERS["note"]},
            headers=reviewer,
            timeout=HTTP_TIMEOUT,
        )
        answers.append(decided.text)
        assert decided.status_code == 200, decided.text
        wait_until(lambda: status(ids["refer"]).get("status") == "decided", 120, what="the review")
    # AND the rejected record has reached its queue, the decisions their topic
    wait_until(
        lambda: any(
            broken["applicationId"] in body
            for body in every_queue_message()[stack_outputs["RejectedApplicationsQueueUrl"]]
        ),
        60,
        what="the rejected record's pointer",
    )

    def both_published():
        caught = subscribed_queues()
        return caught if sum(1 for body in caught if "decision" in body) >= 2 else None

    published = wait_until(both_published, 60, what="both published decisions")

    # THEN no marker is in any log group, execution history, queue, message or answer
    found, read = {}, {}
    for where, texts in (
        ("log group", every_log_line(since_millis)),
        ("execution", every_execution_history(stack_outputs, started)),
        ("queue", {url: "\n".join(bodies) for url, bodies in every_queue_message().items()}),
        ("sns message", {"subscribed queue": "\n".join(published)}),
        ("api answer", {"answers": "\n".join(answers)}),
    ):
        read[where] = "\n".join(texts.values())
        for name, text in texts.items():
            if hits := markers_in(text):
                found[f"{where} {name}"] = hits
    assert found == {}
    # AND the places read did hold these runs (a scan of nothing would find nothing)
    for where in ("log group", "execution", "api answer"):
        assert ids["approve"] in read[where], where
    assert broken["applicationId"] in read["queue"]
