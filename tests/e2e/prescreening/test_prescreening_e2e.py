"""Pre-screening end to end on the local cloud, through its real entry points: HTTP to the
local REST API, records on the Kinesis stream, the reviews API resuming real task tokens."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from devkit.local_cloud import Execution, client, wait_for_execution, wait_until
from prescreening.sandbox import sample_application, sample_submission
from support.executions import started_since
from support.queues import subscribed_queue

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30


@pytest.fixture(scope="module")
def outputs(stack_outputs) -> dict[str, str]:
    return stack_outputs


def new_id(label: str) -> str:
    return f"e2e-{label}-{uuid.uuid4().hex[:10]}"


def execution_arn(outputs: dict, application_id: str) -> str:
    machine = outputs["PreScreeningStateMachineArn"]
    return machine.replace(":stateMachine:", ":execution:") + f":PreScreening-{application_id}"


def wait_for_screening(outputs: dict, application_id: str, timeout: float = 90) -> Execution:
    sfn = client("stepfunctions")
    arn = execution_arn(outputs, application_id)

    def started():
        try:
            return sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None

    wait_until(started, timeout, interval=0.5, what=f"the execution for {application_id}")
    return wait_for_execution(arn, timeout)


def executions_named(outputs: dict, application_id: str) -> list[dict]:
    pages = client("stepfunctions").get_paginator("list_executions")
    name = f"PreScreening-{application_id}"
    return [
        e
        for page in pages.paginate(stateMachineArn=outputs["PreScreeningStateMachineArn"])
        for e in page["executions"]
        if e["name"] == name
    ]


def submit(api: str, application: dict) -> str:
    """POST the application as a client does (without its id); the id the service gave it."""
    submission = {key: value for key, value in application.items() if key != "applicationId"}
    response = requests.post(f"{api}/applications", json=submission, timeout=HTTP_TIMEOUT)
    assert response.status_code == 202, response.text
    return response.json()["applicationId"]


def pending_review(
    api: str, application_id: str, reviewer: dict[str, str], timeout: float = 90
) -> dict:
    def listed():
        response = requests.get(f"{api}/reviews", headers=reviewer, timeout=HTTP_TIMEOUT)
        reviews = response.json()["reviews"]
        return next((r for r in reviews if r["applicationId"] == application_id), None)

    return wait_until(listed, timeout, interval=0.5, what=f"a review for {application_id}")


def answer_review(
    api: str, application_id: str, reviewer: dict[str, str], answer: dict
) -> requests.Response:
    """A reviewer's POST /reviews/{applicationId}."""
    return requests.post(
        f"{api}/reviews/{application_id}", json=answer, headers=reviewer, timeout=HTTP_TIMEOUT
    )


def log_by_type(outputs: dict, log_type: str, since: str, application_id: str) -> list[dict]:
    """Screening-log entries of one type since a time, through the ByLogType index."""
    answer = client("dynamodb").query(
        TableName=outputs["ScreeningLogTableName"],
        IndexName="ByLogType",
        KeyConditionExpression="logType = :type AND loggedAt >= :since",
        FilterExpression="applicationId = :id",
        ExpressionAttributeValues={
            ":type": {"S": log_type},
            ":since": {"S": since},
            ":id": {"S": application_id},
        },
    )
    return answer["Items"]


def all_logged(
    outputs: dict, log_type: str, since: str, application_id: str, count: int
) -> list[dict]:
    """The application's log entries of this type, once there are exactly `count` of them."""

    def written():
        entries = log_by_type(outputs, log_type, since, application_id)
        return entries if len(entries) == count else None

    return wait_until(written, 30, what=f"{count} {log_type} log entries of {application_id}")


def stored_item(outputs: dict, application_id: str) -> dict:
    """The application's item in its table, as staff (and a test) may read it."""
    return client("dynamodb").get_item(
        TableName=outputs["ApplicationsTableName"],
        Key={"applicationId": {"S": application_id}},
        ConsistentRead=True,
    )["Item"]


def put_records(outputs: dict, partition_key: str, payloads: list[bytes]) -> None:
    answer = client("kinesis").put_records(
        StreamName=outputs["ApplicationStreamName"],
        Records=[{"Data": data, "PartitionKey": partition_key} for data in payloads],
    )
    assert answer["FailedRecordCount"] == 0


@pytest.fixture
def decisions(outputs):
    """An SQS queue subscribed to the decisions topic; yields a reader of its messages."""
    sqs = client("sqs")
    topic = outputs["DecisionsTopicArn"]
    with subscribed_queue(topic, "prescreening-decisions", RawMessageDelivery="true") as queue_url:
        yield published_to(sqs, queue_url)


def published_to(sqs, queue_url: str):
    """A reader of the decisions the queue received: published(application_id) -> message."""

    def published(application_id: str) -> dict:
        def find():
            for message in sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", []):
                body = json.loads(message["Body"])
                if body.get("applicationId") == application_id:
                    return body
            return None

        return wait_until(find, 30, what=f"the published decision for {application_id}")

    return published


def test_an_application_posted_over_http_is_decided_logged_and_published(outputs, api, decisions):
    # GIVEN a sound application with a good credit file
    since = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    application = sample_application("approve")
    del application["applicationId"]
    # WHEN it is posted
    application_id = submit(api, application)
    # THEN from GET's first answer of 200 on, each carries the status it has reached
    statuses = []

    def decided() -> bool:
        answer = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
        if answer.status_code == 200:
            statuses.append(answer.json().get("status"))
        return statuses[-1:] == ["decided"]

    wait_until(decided, 60, interval=0.02, what=f"{application_id} decided")
    assert set(statuses) <= {"received", "screening", "decided"}, statuses
    execution = wait_for_screening(outputs, application_id)
    # AND it is approved, visible over GET without personal data, and published
    assert execution.status == "SUCCEEDED", execution.cause
    status = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
    assert status.status_code == 200
    found = status.json()
    assert (found["status"], found["decision"]) == ("decided", "approve")
    assert "720000113" not in status.text and "1985-12-10" not in status.text
    assert decisions(application_id)["decision"] == "approve"
    # AND both kinds of log entries are there, queried by type through the index
    application_entries = all_logged(outputs, "APPLICATION", since, application_id, count=4)
    assert {e["event"]["S"] for e in application_entries} == {
        "IDENTITY_CHECK",
        "CREDIT_CHECK",
        "AFFORDABILITY_CHECK",
        "DECISION",
    }
    execution_entries = all_logged(outputs, "EXECUTION", since, application_id, count=2)
    assert {e["event"]["S"] for e in execution_entries} == {"STARTED", "SUCCEEDED"}
    # AND no entry holds the national id, birth date or income in clear
    dumped = json.dumps(application_entries + execution_entries)
    for secret in ("720000113", "1985-12-10", "84000"):
        assert secret not in dumped


def test_the_same_record_twice_starts_one_execution(outputs):
    # GIVEN one application's record put on the stream twice, then a marker on the same shard
    application_id, marker_id = new_id("twice"), new_id("marker")
    record = json.dumps(sample_application("decline", application_id)).encode()
    marker = json.dumps(sample_application("decline", marker_id)).encode()
    put_records(outputs, application_id, [record, record, marker])
    # WHEN the trigger has handled all three (records of a shard are handled in order)
    wait_for_screening(outputs, marker_id)
    execution = wait_for_screening(outputs, application_id)
    # THEN exactly one execution ran for the application
    assert execution.status == "SUCCEEDED"
    assert len(executions_named(outputs, application_id)) == 1


def test_a_malformed_record_is_rejected_with_its_reason_and_the_rest_proceed(outputs):
    # GIVEN a batch of a good application, a record that is no application, and another good one
    first, second = new_id("good"), new_id("good")
    malformed = json.dumps({"applicationId": new_id("bad"), "product": "mortgage"}).encode()
    put_records(
        outputs,
        first,
        [
            json.dumps(sample_application("approve", first)).encode(),
            malformed,
            json.dumps(sample_application("approve", second)).encode(),
        ],
    )
    # WHEN the trigger handles it
    # THEN both good applications are screened
    assert wait_for_screening(outputs, first).status == "SUCCEEDED"
    assert wait_for_screening(outputs, second).status == "SUCCEEDED"
    # AND the malformed record waits in the rejected queue with its reasons and its data
    sqs = client("sqs")
    queue_url = outputs["RejectedApplicationsQueueUrl"]

    def rejected():
        for message in sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            body = json.loads(message["Body"])
            if body["source"]["partitionKey"] == first:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                return body
        return None

    body = wait_until(rejected, 30, what="the rejected record")
    assert "applicant: Field required" in body["reason"]
    assert "product: Input should be 'credit_card' or 'personal_loan'" in body["reason"]
    # AND the queue holds a pointer to the record, kept with its reason, never the record
    assert "data" not in body
    kept = json.loads(
        client("s3")
        .get_object(Bucket=body["record"]["bucket"], Key=body["record"]["key"])["Body"]
        .read()
    )
    assert json.loads(base64.b64decode(kept["data"])) == json.loads(malformed)
    assert kept["reason"] == body["reason"]


def test_a_referral_is_decided_through_the_reviews_api(outputs, api, reviewer):
    # GIVEN an application whose credit score calls for a person
    application_id = submit(api, sample_application("refer", new_id("refer")))
    review = pending_review(api, application_id, reviewer)
    assert review["reasons"] == ["credit score below 660"]
    assert requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT).json()[
        "status"
    ] == ("awaiting_review")
    # AND a body that names its own reviewer is refused: who decides comes from the token
    named = answer_review(
        api, application_id, reviewer, {"outcome": "approve", "reviewer": "mallory"}
    )
    assert named.status_code == 400 and named.json()["errors"] == [
        "reviewer: Extra inputs are not permitted"
    ]
    # WHEN a reviewer (rita's token) declines it
    answer = answer_review(
        api, application_id, reviewer, {"outcome": "decline", "note": "income not evidenced"}
    )
    assert answer.status_code == 200, answer.text
    # THEN the execution resumes and records the decision, reviewed by the token's subject
    execution = wait_for_screening(outputs, application_id)
    assert execution.status == "SUCCEEDED"
    assert execution.output == {
        "applicationId": application_id,
        "decision": "decline",
        "reasons": ["decline on review"],
        "reviewedBy": "rita",
    }
    stored = stored_item(outputs, application_id)
    assert (stored["decision"]["S"], stored["reviewedBy"]["S"]) == ("decline", "rita")
    # AND the public status shows the decision, but neither who made it nor the reviewer's note
    status = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
    assert status.status_code == 200, status.text
    found = status.json()
    assert found["decision"] == "decline" and "reviewedBy" not in found
    assert "rita" not in status.text
    assert "income not evidenced" not in status.text
    # AND a second answer finds nothing left to decide
    again = answer_review(api, application_id, reviewer, {"outcome": "approve"})
    assert again.status_code == 409


def test_a_referral_nobody_reviews_is_declined_when_its_review_time_runs_out(
    outputs, api, reviewer, move_clock
):
    # GIVEN a referral waiting for a person (72 hours in the local stage, as in AWS's)
    application_id = submit(api, sample_application("refer", new_id("unreviewed")))
    pending_review(api, application_id, reviewer)
    # WHEN nobody answers for 72 hours (the local cloud's clock moved past them)
    move_clock("PT72H1M")
    # THEN the review times out and the application is declined, saying why
    execution = wait_for_screening(outputs, application_id, timeout=60)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["decision"] == "decline"
    assert execution.output["reasons"] == ["review timed out"]
    assert "ReviewTimedOut" in execution.states_entered()
    found = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT).json()
    assert (found["status"], found["decision"]) == ("decided", "decline")
    # AND a late answer finds nothing left to decide
    assert answer_review(api, application_id, reviewer, {"outcome": "approve"}).status_code == 409


def test_an_unreachable_bureau_refers_the_application(outputs, api, reviewer):
    # GIVEN an applicant the sandbox bureau is down for
    application_id = submit(api, sample_application("bureau_down", new_id("bureau")))
    # WHEN the credit check has exhausted its retries
    review = pending_review(api, application_id, reviewer, timeout=120)
    # THEN the application is referred (not lost), and the history shows the retries
    assert review["reasons"] == ["credit bureau unavailable"]
    arn = execution_arn(outputs, application_id)
    history = client("stepfunctions").get_execution_history(executionArn=arn, maxResults=500)
    failures = [
        e
        for e in history["events"]
        if e["type"] == "TaskFailed"
        and e["taskFailedEventDetails"]["error"] == "CreditBureauUnavailable"
    ]
    assert len(failures) == 4
    # AND a person can still decide it
    answer = answer_review(api, application_id, reviewer, {"outcome": "approve"})
    assert answer.status_code == 200
    assert wait_for_screening(outputs, application_id).output["decision"] == "approve"


def screenings_of(outputs: dict, requested_amount: float, since: datetime) -> list[str]:
    """Names of the executions started since `since` for applications of this amount (an
    execution carries only the application id: the amount is read from the stored record)."""
    dynamodb = client("dynamodb")
    found = []
    for name, given in started_since(outputs["PreScreeningStateMachineArn"], since):
        application_id = given.get("applicationId")
        if not application_id:
            continue
        item = dynamodb.get_item(
            TableName=outputs["ApplicationsTableName"],
            Key={"applicationId": {"S": application_id}},
        ).get("Item", {})
        amount = item.get("record", {}).get("M", {}).get("requestedAmount", {}).get("N")
        if amount is not None and float(amount) == requested_amount:
            found.append(name)
    return found


def test_a_retried_submission_with_the_same_idempotency_key_is_one_application(outputs, api):
    # GIVEN an application with an amount no other test asks for, and an Idempotency-Key
    amount = 10_000 + secrets.randbelow(10**6) / 100
    submission = sample_submission("approve", requestedAmount=amount)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    since = datetime.now(UTC) - timedelta(seconds=5)
    # WHEN the client posts it, and retries with the same key (its first answer was lost)
    first = requests.post(f"{api}/applications", json=submission, headers=key, timeout=HTTP_TIMEOUT)
    again = requests.post(f"{api}/applications", json=submission, headers=key, timeout=HTTP_TIMEOUT)
    # THEN the retry gets the first answer: the same application
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json()
    application_id = first.json()["applicationId"]
    # AND exactly one execution screens it, to its decision
    assert wait_for_screening(outputs, application_id).status == "SUCCEEDED"
    assert screenings_of(outputs, amount, since) == [f"PreScreening-{application_id}"]
    # AND the same key with another application is refused
    other = requests.post(
        f"{api}/applications",
        json={**submission, "termMonths": 12},
        headers=key,
        timeout=HTTP_TIMEOUT,
    )
    assert other.status_code == 422, other.text


def test_a_client_cannot_choose_an_application_id(api):
    chosen = requests.post(
        f"{api}/applications",
        json=sample_application("approve", new_id("chosen")),
        timeout=HTTP_TIMEOUT,
    )
    assert chosen.status_code == 400, chosen.text
    assert chosen.json()["errors"][0].startswith("applicationId:")


def test_a_step_that_fails_leaves_the_application_failed_naming_the_step(outputs, api):
    # GIVEN an execution started for an application whose record was never stored (its
    # ValidateApplication fails on that input)
    application_id = new_id("unstored")
    client("stepfunctions").start_execution(
        stateMachineArn=outputs["PreScreeningStateMachineArn"],
        name=f"PreScreening-{application_id}",
        input=json.dumps({"applicationId": application_id}),
    )
    # WHEN it runs
    execution = wait_for_screening(outputs, application_id)
    # THEN it fails, and the application is failed with the step and the error's name (read
    # from its table: the public status answers only for ids the service issued)
    assert execution.status == "FAILED"
    assert execution.error == "ScreeningFailed"
    found = stored_item(outputs, application_id)
    assert found["status"] == {"S": "failed"}
    assert found["failure"] == {
        "M": {"state": {"S": "ValidateApplication"}, "error": {"S": "ApplicationNotFound"}}
    }
    assert "Traceback" not in json.dumps(found)
    public = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
    assert public.status_code == 404, public.text


def test_a_producers_own_id_is_not_answered_by_the_public_status(outputs, api):
    # GIVEN an application a producer put on the stream itself, under its own id
    application_id = new_id("producer")
    put_records(
        outputs,
        application_id,
        [json.dumps(sample_application("approve", application_id)).encode()],
    )
    # WHEN it has been screened and decided
    assert wait_for_screening(outputs, application_id).status == "SUCCEEDED"
    assert stored_item(outputs, application_id)["decision"] == {"S": "approve"}
    # THEN the public status does not answer for it, as for an id it never saw
    answer = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
    unknown = requests.get(f"{api}/applications/{new_id('never')}", timeout=HTTP_TIMEOUT)
    assert answer.status_code == unknown.status_code == 404, answer.text
    assert answer.json() == unknown.json()
