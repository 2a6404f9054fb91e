"""The handlers, each run on its sample event in events/ against moto."""

from __future__ import annotations

import json
import os

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from common import stepfunctions
from common.aws import client
from prescreening.dal import applications
from prescreening.dal.applications import ApplicationNotFound
from prescreening.dal.bureau import CreditBureauUnavailable
from prescreening.handlers import (
    affordability_check,
    applications_api,
    credit_check,
    decide,
    execution_log,
    identity_check,
    record_decision,
    request_review,
    reviews_api,
    sandbox_bureau,
    trigger,
    validate,
)
from prescreening.models import InvalidApplication
from prescreening.sandbox import sample_application
from support.events import sample_event

APPLICATIONS = "applications"


@pytest.fixture
def stored(aws) -> dict:
    """The sample events' application, stored as the trigger stores it (the claim check)."""
    application = sample_application("approve", "app-sample-0001")
    applications.store_record(APPLICATIONS, application)
    return application


def body_of(response: dict) -> dict:
    return json.loads(response["body"])


def log_entries(application_id: str) -> dict[str, dict]:
    items = boto3.client("dynamodb").query(
        TableName="screening-log",
        KeyConditionExpression="applicationId = :id",
        ExpressionAttributeValues={":id": {"S": application_id}},
    )["Items"]
    return {item["entry"]["S"]: item for item in items}


# --- REST ------------------------------------------------------------------------------------


def test_post_application_puts_it_on_the_stream_keyed_by_a_new_id(aws, lambda_context):
    # GIVEN the sample submission (no applicationId) WHEN posted
    response = applications_api.handler(
        sample_event("prescreening-applications-api-post"), lambda_context
    )
    # THEN 202 with a generated id, and the record on the stream under that key
    assert response["statusCode"] == 202
    application_id = body_of(response)["applicationId"]
    kinesis = boto3.client("kinesis")
    shard = kinesis.describe_stream(StreamName="applications")["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName="applications", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    [record] = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["PartitionKey"] == application_id
    assert json.loads(record["Data"])["applicationId"] == application_id


def stream_records() -> list[dict]:
    kinesis = boto3.client("kinesis")
    shard = kinesis.describe_stream(StreamName="applications")["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName="applications", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return kinesis.get_records(ShardIterator=iterator)["Records"]


def with_key(event: dict, key: str) -> dict:
    return {**event, "headers": {**event["headers"], "Idempotency-Key": key}}


def test_a_retried_post_with_the_same_idempotency_key_is_one_application(aws, lambda_context):
    # GIVEN an application posted with an Idempotency-Key
    event = with_key(sample_event("prescreening-applications-api-post"), "client-retry-1")
    first = applications_api.handler(event, lambda_context)
    # WHEN the client retries it
    again = applications_api.handler(event, lambda_context)
    # THEN the retry gets the first answer, and one record is on the stream
    assert first["statusCode"] == again["statusCode"] == 202
    assert body_of(again) == body_of(first)
    [record] = stream_records()
    assert record["PartitionKey"] == body_of(first)["applicationId"]


def test_an_idempotency_key_reused_for_another_application_is_a_422(aws, lambda_context):
    event = with_key(sample_event("prescreening-applications-api-post"), "client-retry-2")
    assert applications_api.handler(event, lambda_context)["statusCode"] == 202
    changed = json.loads(event["body"])
    changed["requestedAmount"] = 99_000
    response = applications_api.handler({**event, "body": json.dumps(changed)}, lambda_context)
    assert response["statusCode"] == 422
    assert len(stream_records()) == 1


def test_a_client_cannot_choose_the_application_id(aws, lambda_context):
    # GIVEN a submission naming its own id (perhaps someone else's)
    event = sample_event("prescreening-applications-api-post")
    chosen = {**json.loads(event["body"]), "applicationId": "someone-elses-id"}
    # WHEN posted
    response = applications_api.handler({**event, "body": json.dumps(chosen)}, lambda_context)
    # THEN 400 naming the field, and nothing is put on the stream
    assert response["statusCode"] == 400
    assert body_of(response)["errors"][0].startswith("applicationId: given by the service")
    assert stream_records() == []


def test_application_ids_are_random_and_unguessable(aws, lambda_context):
    event = sample_event("prescreening-applications-api-post")
    ids = {
        body_of(applications_api.handler(event, lambda_context))["applicationId"] for _ in range(3)
    }
    # 32 hex digits from uuid4: 122 random bits each, never repeated
    assert len(ids) == 3 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.mark.parametrize(
    ("body", "message"),
    [("{oops", "the body is not valid JSON"), ("[]", "invalid request")],
)
def test_post_application_refuses_bodies_that_are_not_objects(aws, lambda_context, body, message):
    event = {**sample_event("prescreening-applications-api-post"), "body": body}
    response = applications_api.handler(event, lambda_context)
    assert response["statusCode"] == 400 and body_of(response)["message"] == message


def test_post_application_lists_what_is_invalid(aws, lambda_context):
    event = sample_event("prescreening-applications-api-post")
    submitted = json.loads(event["body"])
    submitted["product"] = "mortgage"
    del submitted["employment"]
    response = applications_api.handler({**event, "body": json.dumps(submitted)}, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["errors"] == [
        "employment: Field required",
        "product: Input should be 'credit_card' or 'personal_loan'",
    ]


def test_get_application_shows_status_and_decision_but_no_personal_data(stored, lambda_context):
    # GIVEN an application whose id the service issued (POST), screened and decided
    applications.mark_issued(APPLICATIONS, stored["applicationId"])
    validate.handler(sample_event("prescreening-validate"), lambda_context)
    record_decision.handler(sample_event("prescreening-record-decision"), lambda_context)
    # WHEN its status is asked for
    response = applications_api.handler(
        sample_event("prescreening-applications-api-get"), lambda_context
    )
    # THEN it is decided, approved, with its reasons
    found = body_of(response)
    assert response["statusCode"] == 200
    assert (found["status"], found["decision"], found["reasons"]) == (
        "decided",
        "approve",
        ["all checks passed"],
    )
    assert "applicant" not in found and "taskToken" not in found
    assert stored["applicant"]["name"] not in response["body"]


def test_get_unknown_application_is_404(aws, lambda_context):
    assert (
        applications_api.handler(sample_event("prescreening-applications-api-get"), lambda_context)[
            "statusCode"
        ]
        == 404
    )


def test_a_review_is_listed_then_decided_once(aws, lambda_context, monkeypatch):
    # GIVEN a referral waiting with its task token
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    listed = body_of(
        reviews_api.handler(sample_event("prescreening-reviews-api-get"), lambda_context)
    )["reviews"]
    assert [(r["applicationId"], r["reasons"]) for r in listed] == [
        ("app-sample-0001", ["credit score below 660"])
    ]
    resumed = []
    monkeypatch.setattr(
        stepfunctions, "send_task_success", lambda token, output: resumed.append(token)
    )
    # WHEN two reviewers answer
    first = reviews_api.handler(sample_event("prescreening-reviews-api-post"), lambda_context)
    second = reviews_api.handler(sample_event("prescreening-reviews-api-post"), lambda_context)
    # THEN the first resumes the execution with the verdict, the second is told it is taken
    assert first["statusCode"] == 200 and body_of(first)["reviewedBy"] == "rita"
    assert second["statusCode"] == 409
    assert resumed == ["sample-task-token"]
    # AND the reviewer's note is kept for staff, never in the public status (of an id the
    # service issued: it answers for no other)
    note = json.loads(sample_event("prescreening-reviews-api-post")["body"]).get("note")
    assert note and applications.get(APPLICATIONS, "app-sample-0001")["reviewNote"] == note
    applications.mark_issued(APPLICATIONS, "app-sample-0001")
    status = applications_api.handler(
        sample_event("prescreening-applications-api-get"), lambda_context
    )
    assert status["statusCode"] == 200
    assert note not in status["body"]
    assert (
        body_of(reviews_api.handler(sample_event("prescreening-reviews-api-get"), lambda_context))[
            "reviews"
        ]
        == []
    )


def test_a_review_whose_answer_cannot_be_sent_stays_reviewable(aws, lambda_context, monkeypatch):
    # GIVEN a referral waiting with its task token
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    sent = []
    sfn = client("stepfunctions")

    def throttled(**kwargs) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
            "SendTaskSuccess",
        )

    # WHEN the reviewer's answer cannot be sent to Step Functions (throttled past the retries)
    with monkeypatch.context() as throttling:
        throttling.setattr(sfn, "send_task_success", throttled)
        failed = reviews_api.handler(sample_event("prescreening-reviews-api-post"), lambda_context)
    # THEN the reviewer is told to send it again, and the referral is still listed with its token
    assert failed["statusCode"] == 503
    listed = body_of(
        reviews_api.handler(sample_event("prescreening-reviews-api-get"), lambda_context)
    )["reviews"]
    assert [r["applicationId"] for r in listed] == ["app-sample-0001"]
    assert applications.get(APPLICATIONS, "app-sample-0001")["taskToken"] == "sample-task-token"
    # AND once Step Functions answers again, the same review goes through
    monkeypatch.setattr(
        stepfunctions, "send_task_success", lambda token, output: sent.append(token)
    )
    again = reviews_api.handler(sample_event("prescreening-reviews-api-post"), lambda_context)
    assert again["statusCode"] == 200 and sent == ["sample-task-token"]


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_review_of_a_task_that_stopped_waiting_is_refused(aws, lambda_context, monkeypatch, code):
    # GIVEN a referral whose execution no longer waits (moto knows no such token)
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    sfn = client("stepfunctions")

    def gone(**kwargs):
        raise ClientError({"Error": {"Code": code, "Message": "gone"}}, "SendTaskSuccess")

    monkeypatch.setattr(sfn, "send_task_success", gone)
    # WHEN the reviewer answers
    response = reviews_api.handler(sample_event("prescreening-reviews-api-post"), lambda_context)
    # THEN 409: nothing can resume it any more, and the referral is off the queue
    assert response["statusCode"] == 409
    assert (
        body_of(reviews_api.handler(sample_event("prescreening-reviews-api-get"), lambda_context))[
            "reviews"
        ]
        == []
    )


def test_a_review_must_approve_or_decline(aws, lambda_context):
    event = sample_event("prescreening-reviews-api-post")
    response = reviews_api.handler(
        {**event, "body": json.dumps({"outcome": "refer"})}, lambda_context
    )
    assert response["statusCode"] == 400


def as_caller(event: dict, subject: str) -> dict:
    """The event as API Gateway passes it once the StaffAuthorizer let `subject` in."""
    authorizer = {"principalId": subject, "subject": subject, "roles": "reviewer"}
    return {**event, "requestContext": {**event["requestContext"], "authorizer": authorizer}}


def test_the_reviewer_recorded_is_the_tokens_subject(aws, lambda_context, monkeypatch):
    # GIVEN a referral waiting, and a reviewer whose token's subject is "sam"
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    sent = []
    monkeypatch.setattr(
        stepfunctions, "send_task_success", lambda token, output: sent.append(output)
    )
    # WHEN sam decides it
    response = reviews_api.handler(
        as_caller(sample_event("prescreening-reviews-api-post"), "sam"), lambda_context
    )
    # THEN the decision names sam, in the answer and in what resumes the execution
    assert response["statusCode"] == 200
    assert body_of(response)["reviewedBy"] == "sam"
    assert [output["reviewedBy"] for output in sent] == ["sam"]


def test_a_review_naming_its_reviewer_in_the_body_is_refused(aws, lambda_context, monkeypatch):
    # GIVEN a referral waiting
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    sent = []
    monkeypatch.setattr(stepfunctions, "send_task_success", lambda token, output: sent.append(1))
    # WHEN the body says who reviewed it
    event = sample_event("prescreening-reviews-api-post")
    response = reviews_api.handler(
        {**event, "body": json.dumps({"outcome": "approve", "reviewer": "mallory"})},
        lambda_context,
    )
    # THEN 400 naming the field, and the referral is still waiting
    assert response["statusCode"] == 400
    assert body_of(response)["errors"] == ["reviewer: Extra inputs are not permitted"]
    assert sent == []
    assert applications.get(APPLICATIONS, "app-sample-0001")["taskToken"] == "sample-task-token"


def test_a_review_without_an_authorized_caller_is_401_and_changes_nothing(
    aws, lambda_context, monkeypatch
):
    # GIVEN a referral waiting, and a request that came through no authorizer
    request_review.handler(sample_event("prescreening-request-review"), lambda_context)
    sent = []
    monkeypatch.setattr(stepfunctions, "send_task_success", lambda token, output: sent.append(1))
    event = sample_event("prescreening-reviews-api-post")
    context = {k: v for k, v in event["requestContext"].items() if k != "authorizer"}
    # WHEN it decides the referral
    response = reviews_api.handler({**event, "requestContext": context}, lambda_context)
    # THEN 401, and the referral is still waiting with its token
    assert response["statusCode"] == 401
    assert sent == []
    assert applications.get(APPLICATIONS, "app-sample-0001")["taskToken"] == "sample-task-token"


def test_the_sandbox_bureau_answers_deterministically(lambda_context):
    first = sandbox_bureau.handler(sample_event("prescreening-sandbox-bureau"), lambda_context)
    again = sandbox_bureau.handler(sample_event("prescreening-sandbox-bureau"), lambda_context)
    assert first["statusCode"] == 200 and body_of(first) == body_of(again)
    assert body_of(first)["score"] == 720


def test_the_sandbox_bureau_plays_down_for_999_ids(lambda_context):
    event = sample_event("prescreening-sandbox-bureau")
    event["body"] = json.dumps({"nationalId": "999000111"})
    assert sandbox_bureau.handler(event, lambda_context)["statusCode"] == 503


# --- state machine tasks ---------------------------------------------------------------------


def test_validate_reads_the_stored_application_and_returns_only_its_id(stored, lambda_context):
    # GIVEN the execution carries the id only WHEN validate runs
    result = validate.handler(sample_event("prescreening-validate"), lambda_context)
    # THEN it answers with the id and the validation, never the record
    assert result == {
        "applicationId": "app-sample-0001",
        "validation": {"valid": True, "reasons": []},
    }
    assert applications.get(APPLICATIONS, "app-sample-0001")["status"] == "screening"


def test_validate_refuses_input_that_is_no_reference(aws, lambda_context):
    with pytest.raises(InvalidApplication, match="applicationId: Field required"):
        validate.handler({"applicant": {"name": "x"}}, lambda_context)


def test_validate_of_an_id_with_no_stored_application_fails_naming_the_id(aws, lambda_context):
    with pytest.raises(ApplicationNotFound, match="never-stored"):
        validate.handler({"applicationId": "never-stored"}, lambda_context)


def test_a_stored_record_that_is_no_application_fails_naming_fields_not_values(aws, lambda_context):
    applications.store_record(APPLICATIONS, {"applicationId": "app-bad", "applicant": "MARKER"})
    with pytest.raises(InvalidApplication) as raised:
        validate.handler({"applicationId": "app-bad"}, lambda_context)
    assert "MARKER" not in str(raised.value)


def test_checks_answer_for_the_sample_application(stored, lambda_context):
    assert (
        identity_check.handler(sample_event("prescreening-identity-check"), lambda_context)[
            "verified"
        ]
        is True
    )
    assert affordability_check.handler(
        sample_event("prescreening-affordability-check"), lambda_context
    )["affordable"]


@pytest.fixture
def bureau_credentials(stored):
    """The bureau's API key in (moto's) Secrets Manager, where the template's secret holds it,
    beside the stored application the check reads."""
    parameters.clear_caches()
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(
        Name=os.environ["PRESCREENING_CREDIT_BUREAU_SECRET_ARN"], SecretString="key-one"
    )
    yield secrets
    parameters.clear_caches()


class BureauAnswer:
    status_code = 200

    def raise_for_status(self):
        pass

    def json(self):
        return {"score": 701, "delinquencies": 0, "reference": "r"}


def test_credit_check_calls_the_bureau_and_reads_its_report(
    lambda_context, monkeypatch, bureau_credentials
):
    calls = []

    def post(url, json, headers, timeout):
        calls.append((url, json, headers))
        return BureauAnswer()

    monkeypatch.setattr(requests, "post", post)
    result = credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)
    assert result == {"available": True, "score": 701, "delinquencies": 0}
    assert calls[0][0] == "http://bureau.test/reports"
    assert set(calls[0][1]) == {"name", "dateOfBirth", "nationalId"}


def test_credit_check_sends_the_bureau_key_from_secrets_manager_read_once(
    lambda_context, monkeypatch, bureau_credentials
):
    # GIVEN the bureau's key in Secrets Manager
    keys_sent = []
    monkeypatch.setattr(
        requests,
        "post",
        lambda url, json, headers, timeout: (
            keys_sent.append(headers["X-Api-Key"]) or BureauAnswer()
        ),
    )
    # WHEN two applications are checked, and then the key is rotated
    credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)
    credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)
    bureau_credentials.put_secret_value(
        SecretId=os.environ["PRESCREENING_CREDIT_BUREAU_SECRET_ARN"], SecretString="key-two"
    )
    credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)
    # THEN every call carries the key, kept while the process is warm (not read per call)
    assert keys_sent == ["key-one", "key-one", "key-one"]
    # AND once the cache expires the rotated key is read
    parameters.clear_caches()
    credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)
    assert keys_sent[-1] == "key-two"


def test_credit_check_reports_an_unreachable_bureau_as_unavailable(
    lambda_context, monkeypatch, bureau_credentials
):
    unreachable = credit_check.settings.model_copy(
        update={
            "sandbox_credit_bureau_url": "http://127.0.0.1:9/reports",
            "credit_bureau_timeout_seconds": 0.5,
        }
    )
    monkeypatch.setattr(credit_check, "settings", unreachable)
    with pytest.raises(CreditBureauUnavailable, match="ConnectionError"):
        credit_check.handler(sample_event("prescreening-credit-check"), lambda_context)


def test_decide_logs_each_check_and_returns_the_decision(aws, lambda_context):
    assert decide.handler(sample_event("prescreening-decide"), lambda_context) == {
        "outcome": "approve",
        "reasons": ["all checks passed"],
    }
    assert set(log_entries("app-sample-0001")) == {
        "APPLICATION#IDENTITY_CHECK",
        "APPLICATION#CREDIT_CHECK",
        "APPLICATION#AFFORDABILITY_CHECK",
    }


def test_record_decision_stores_and_logs_the_decision(aws, lambda_context):
    result = record_decision.handler(sample_event("prescreening-record-decision"), lambda_context)
    assert result == {
        "applicationId": "app-sample-0001",
        "decision": "approve",
        "reasons": ["all checks passed"],
    }
    assert "APPLICATION#DECISION" in log_entries("app-sample-0001")


def test_execution_status_changes_are_logged_without_input(aws, lambda_context):
    # GIVEN the queued status-change event of a finished execution WHEN logged
    assert execution_log.handler(sample_event("prescreening-execution-log"), lambda_context) == {
        "batchItemFailures": []
    }
    # THEN the entry has the execution's status and times, not its input (personal data)
    entry = log_entries("app-sample-0001")["EXECUTION#SUCCEEDED"]
    assert entry["logType"]["S"] == "EXECUTION"
    assert entry["loggedAt"]["S"] == "2026-11-25T23:55:56.147Z"
    assert "720000113" not in json.dumps(entry)


def test_a_status_change_that_cannot_be_read_fails_alone(aws, lambda_context):
    # GIVEN a batch of a good status-change message and one that is not an event
    event = sample_event("prescreening-execution-log")
    good = event["Records"][0]
    event["Records"] = [{**good, "messageId": "bad", "body": "not json"}, good]
    # WHEN logged
    response = execution_log.handler(event, lambda_context)
    # THEN only the bad one goes back to the queue; the good one is logged
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert "EXECUTION#SUCCEEDED" in log_entries("app-sample-0001")


def test_the_trigger_starts_the_sample_record_s_execution(aws, lambda_context):
    assert trigger.handler(sample_event("prescreening-trigger"), lambda_context) == {
        "batchItemFailures": []
    }
    [execution] = boto3.client("stepfunctions").list_executions(
        stateMachineArn=aws["state_machine"]
    )["executions"]
    assert execution["name"] == "PreScreening-app-sample-0001"
