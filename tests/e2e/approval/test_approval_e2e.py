"""The approval workflow end to end on the local cloud: real HTTP to the local REST API, real
emails in the local SES store, real task tokens."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from devkit.local_cloud import client, wait_for_execution, wait_until
from support.approval import HTTP_TIMEOUT, confirm, email_for, emails_about, start, status_of
from support.executions import started_since, task_attempts

pytestmark = pytest.mark.localcloud


def approval_record(stack_outputs, calculation_id: str) -> dict:
    """The calculation's item in the approvals table (DynamoDB's typed form), or {}."""
    return (
        client("dynamodb")
        .get_item(
            TableName=stack_outputs["ApprovalRequestsTableName"],
            Key={"calculationId": {"S": calculation_id}},
            ConsistentRead=True,
        )
        .get("Item", {})
    )


def still_running(execution_arn: str) -> bool:
    sfn = client("stepfunctions")
    return sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"


def test_an_approved_calculation_finishes_with_its_result(api, stack_outputs):
    # GIVEN a calculation posted to the REST API
    started = start(api, {"x": 125, "y": 122})
    # WHEN the approver opens the emailed approve link and confirms
    email = email_for(started["id"])
    assert email["to"] == [stack_outputs["ApprovalApproverEmail"]]
    assert status_of(api, started["id"])["status"] == "AWAITING_APPROVAL"
    decided = confirm(email["approve"])
    # THEN the execution succeeds through Finalize with the whole result
    assert decided.status_code == 200
    execution = wait_for_execution(started["executionArn"])
    assert execution.status == "SUCCEEDED"
    assert execution.states_entered()[-1] == "Finalize"
    output = execution.output
    assert {k: output[k] for k in ("status", "x", "y", "sum", "doubled")} == {
        "status": "APPROVED",
        "x": 125,
        "y": 122,
        "sum": 247,
        "doubled": 494,
    }
    assert output["approvedAt"]
    # AND who approved is kept in the approvals table, never in the execution or the API answer
    approver = stack_outputs["ApprovalApproverEmail"]
    assert approval_record(stack_outputs, started["id"])["decidedBy"]["S"] == approver
    described = client("stepfunctions").describe_execution(executionArn=execution.arn)
    assert approver not in json.dumps([described, execution.history], default=str)
    reported = status_of(api, started["id"])
    assert reported["result"] == output
    assert approver not in json.dumps(reported)


def test_the_email_carries_signed_links_never_the_task_token(api):
    started = start(api, {"x": 1, "y": 2})
    email = email_for(started["id"])
    tokens = [
        e["taskScheduledEventDetails"]["parameters"]
        for e in wait_until(
            lambda: [
                e
                for e in client("stepfunctions").get_execution_history(
                    executionArn=started["executionArn"]
                )["events"]
                if e["type"] == "TaskScheduled" and "calculationId" in str(e)
            ],
            30,
            what="the Approval task",
        )
    ]
    token = re.search(r'"taskToken"\s*:\s*"([^"]+)"', tokens[0]).group(1)
    assert token not in email["text"]
    assert "signature=" in email["approve"] and "expires=" in email["approve"]
    confirm(email["reject"])
    assert wait_for_execution(started["executionArn"]).output["status"] == "REJECTED"


def test_a_rejected_calculation_ends_in_rejected_with_its_details(api, stack_outputs):
    started = start(api, {"x": 10, "y": 20})
    decided = confirm(email_for(started["id"])["reject"])
    assert decided.status_code == 200
    execution = wait_for_execution(started["executionArn"])
    assert execution.states_entered()[-1] == "Rejected"
    output = execution.output
    assert (output["status"], output["sum"], output["doubled"]) == ("REJECTED", 30, 60)
    assert "rejectedBy" not in output
    assert approval_record(stack_outputs, started["id"])["status"]["S"] == "REJECTED"
    assert status_of(api, started["id"])["status"] == "REJECTED"


def test_invalid_input_ends_in_default_response_saying_what_was_wrong(api, stack_outputs):
    started = start(api, {"x": "125", "z": 1})
    execution = wait_for_execution(started["executionArn"])
    assert execution.states_entered()[-1] == "DefaultResponse"
    assert "Calculate" not in execution.states_entered()
    assert execution.output["reason"] == "INVALID_INPUT"
    assert execution.output["details"] == [
        "x: Input should be a valid integer",
        "y: Field required",
    ]
    # AND its record in the approvals table ends FAILED with the reason
    record = approval_record(stack_outputs, started["id"])
    assert (record["status"]["S"], record["failureReason"]["S"]) == ("FAILED", "INVALID_INPUT")


def test_a_sum_over_250_ends_in_default_response_without_retries(api):
    started = start(api, {"x": 200, "y": 51})
    execution = wait_for_execution(started["executionArn"])
    assert execution.output["reason"] == "NUMBER_TOO_BIG"
    assert execution.output["details"]["Error"] == "NumberIsTooBig"
    assert "Approval" not in execution.states_entered()
    # Not retried: Calculate's function ran once.
    assert task_attempts(execution, "Calculate") == 1


def test_a_doubled_result_of_500_or_more_ends_in_default_response(api):
    started = start(api, {"x": 125, "y": 125})
    execution = wait_for_execution(started["executionArn"])
    assert execution.output["reason"] == "DOUBLED_NUMBER_TOO_BIG"
    assert execution.output["details"] == {
        "Error": "DoubledNumberIsTooBig",
        "Cause": "250 doubled is 500, which is 500 or more",
    }
    assert "Approval" not in execution.states_entered()


def test_an_unanswered_approval_times_out_and_its_links_then_expire(api):
    # GIVEN a calculation whose approver has 2 seconds (the request may shorten the timeout)
    started = start(api, {"x": 3, "y": 4, "approvalTimeoutSeconds": 2})
    email = email_for(started["id"])
    # WHEN nobody decides
    execution = wait_for_execution(started["executionArn"], timeout=30)
    # THEN it ends in DefaultResponse saying the approval timed out
    assert execution.output["reason"] == "APPROVAL_TIMED_OUT"
    assert execution.output["details"]["Error"] == "States.Timeout"
    # AND its links are refused as expired, leaving the execution as it was
    for method in ("get", "post"):
        late = getattr(requests, method)(email["approve"], timeout=HTTP_TIMEOUT)
        assert late.status_code == 410
        assert "Expired link" in late.text
    assert wait_for_execution(started["executionArn"]).output == execution.output


def test_forged_tampered_and_replayed_links_are_refused_and_change_nothing(api):
    # GIVEN a calculation awaiting approval
    started = start(api, {"x": 5, "y": 6})
    email = email_for(started["id"])
    forged = re.sub(r"signature=\w+", "signature=" + "ab" * 32, email["approve"])
    tampered = email["reject"].replace("decision=reject", "decision=approve")
    # WHEN forged and tampered links are opened and posted
    for link, title in ((forged, "Forged link"), (tampered, "Tampered link")):
        for method in ("get", "post"):
            response = getattr(requests, method)(link, timeout=HTTP_TIMEOUT)
            # THEN each gets a 403 page saying which, and the execution keeps waiting
            assert response.status_code == 403
            assert title in response.text
    assert still_running(started["executionArn"])
    assert status_of(api, started["id"])["status"] == "AWAITING_APPROVAL"
    # WHEN the genuine approve link is used, then replayed (and the reject one tried)
    assert confirm(email["approve"]).status_code == 200
    replayed = requests.post(email["approve"], timeout=HTTP_TIMEOUT)
    other = requests.post(email["reject"], timeout=HTTP_TIMEOUT)
    # THEN the replays are refused as used, and the execution finished as approved
    assert (replayed.status_code, other.status_code) == (409, 409)
    assert "already been decided" in replayed.text
    execution = wait_for_execution(started["executionArn"])
    assert execution.output["status"] == "APPROVED"


def test_the_third_party_answers_a_token_once_even_when_asked_twice(api):
    # GIVEN a token Step Functions does not know (so the answer cannot land)
    body = {"number": 21, "taskToken": "e2e-not-a-real-token-" + api[-8:]}
    first = requests.post(f"{api}/double", json=body, timeout=HTTP_TIMEOUT)
    second = requests.post(f"{api}/double", json=body, timeout=HTTP_TIMEOUT)
    other = requests.post(f"{api}/double", json={**body, "number": 300}, timeout=HTTP_TIMEOUT)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["doubled"] == 42
    assert other.status_code == 409


def test_the_api_refuses_a_body_that_is_not_json_and_unknown_ids(api):
    bad = requests.post(
        f"{api}/calculations",
        data="x=1",
        headers={"Content-Type": "application/json"},
        timeout=HTTP_TIMEOUT,
    )
    assert bad.status_code == 400
    missing = requests.get(
        f"{api}/calculations/7c9e6679-7425-40de-944b-e07fc1f90ae7", timeout=HTTP_TIMEOUT
    )
    assert missing.status_code == 404


def calculations_started_with(stack_outputs, body: dict, since) -> list[str]:
    machine = stack_outputs["ApprovalStateMachineArn"]
    return [name for name, given in started_since(machine, since) if given == body]


def test_a_retried_post_with_the_same_idempotency_key_starts_one_execution(api, stack_outputs):
    # GIVEN a calculation no other test posts, and the local cloud's clock
    body = {"x": secrets.randbelow(100), "y": secrets.randbelow(100), "note": uuid.uuid4().hex}
    since = datetime.now(UTC) - timedelta(seconds=5)
    key = {"Idempotency-Key": f"e2e-{uuid.uuid4().hex}"}
    # WHEN the client posts it, and retries with the same Idempotency-Key
    first = requests.post(f"{api}/calculations", json=body, headers=key, timeout=HTTP_TIMEOUT)
    again = requests.post(f"{api}/calculations", json=body, headers=key, timeout=HTTP_TIMEOUT)
    # THEN the retry gets the first answer, and exactly one execution started
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json()
    assert calculations_started_with(stack_outputs, body, since) == [first.json()["id"]]
    # AND the same key with another body is refused and starts nothing
    other = requests.post(
        f"{api}/calculations", json={**body, "x": body["x"] + 1}, headers=key, timeout=HTTP_TIMEOUT
    )
    assert other.status_code == 422, other.text
    assert calculations_started_with(stack_outputs, {**body, "x": body["x"] + 1}, since) == []


@pytest.fixture
def third_party_answering_500(stack_outputs):
    """The /double double made to fail for real: its idempotency table (where it records each
    token it answers) is deleted, so every request gets a 500; the table is put back after."""
    functions = client("lambda")
    tables = [
        variables["APPROVAL_DOUBLE_IDEMPOTENCY_TABLE"]
        for page in functions.get_paginator("list_functions").paginate()
        for function in page["Functions"]
        if "APPROVAL_DOUBLE_IDEMPOTENCY_TABLE"
        in (variables := function.get("Environment", {}).get("Variables", {}))
    ]
    [name] = set(tables)
    dynamodb = client("dynamodb")
    shape = dynamodb.describe_table(TableName=name)["Table"]
    dynamodb.delete_table(TableName=name)
    yield
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=shape["AttributeDefinitions"],
        KeySchema=shape["KeySchema"],
    )


def test_a_third_party_answering_500_is_retried_then_the_calculation_is_recorded_failed(
    api, stack_outputs, third_party_answering_500
):
    # GIVEN a third party that answers 500 to everything
    # WHEN a calculation is posted
    started = start(api, {"x": 40, "y": 2})
    execution = wait_for_execution(started["executionArn"], timeout=90)
    # THEN Calculate was retried (three attempts, each told "/double answered 500")
    assert task_attempts(execution, "Calculate") == 3
    failures = [e["taskFailedEventDetails"] for e in execution.events("TaskFailed")]
    assert [f["error"] for f in failures] == ["ThirdPartyUnavailable"] * 3
    assert all("/double answered 500" in f["cause"] for f in failures)
    # AND the calculation ends in its final, visible state: FAILED with the reason, in the
    # execution's output, the approvals table and the status answer
    assert execution.states_entered()[-3:] == [
        "CalculationFailed",
        "RecordFailure",
        "DefaultResponse",
    ]
    assert (execution.output["status"], execution.output["reason"]) == (
        "FAILED",
        "CALCULATION_FAILED",
    )
    record = approval_record(stack_outputs, started["id"])
    assert (record["status"]["S"], record["failureReason"]["S"]) == ("FAILED", "CALCULATION_FAILED")
    assert record["failedAt"]["S"]
    reported = status_of(api, started["id"])
    assert (reported["status"], reported["result"]["reason"]) == ("FAILED", "CALCULATION_FAILED")
    # AND no approval email went out for it
    assert emails_about(started["id"]) == []
