"""The pre-screening state machine's paths with its tasks mocked (statemachine/test/
prescreening.mock.json), run by the local cloud's Step Functions."""

from __future__ import annotations

import json

import pytest

from devkit.local_cloud import Execution
from support.sfn_mocks import StartedTogether, create_mocked_state_machine

pytestmark = pytest.mark.localcloud
# The claim check: an execution carries the application's id, never its record.
INPUT = {"applicationId": "mock-0001"}
VALIDATION = ["ValidateApplication", "IsApplicationValid"]
MAIN_PATH = [
    *VALIDATION,
    "RunChecks",
    "IdentityCheck",
    "CreditCheck",
    "AffordabilityCheck",
    "Decide",
    "IsReferred",
]


@pytest.fixture(scope="module")
def state_machine(local_cloud) -> str:
    return create_mocked_state_machine(
        "prescreeningMockTests",
        "prescreening.asl.json",
        {
            "ReviewTimeoutHours": "1",
            "DecisionsTopicArn": "arn:aws:sns:us-east-1:000000000000:prescreening-decisions",
            "ApplicationsTableName": "prescreening-applications",
        },
    )


# Every case this module runs, one execution each, all started when the module begins.
CASES = [
    "prescreeningApprove",
    "prescreeningDecline",
    "prescreeningInvalid",
    "prescreeningRefer",
    "prescreeningBureauFailureWithRetries",
    "prescreeningBureauRecovers",
    "prescreeningReviewTimeout",
    "prescreeningDecideFails",
    "prescreeningPublishRecovers",
    "prescreeningPublishFails",
]


@pytest.fixture(scope="module")
def runs(state_machine) -> StartedTogether:
    return StartedTogether(state_machine, [(case, INPUT) for case in CASES])


def run(runs: StartedTogether, case: str) -> Execution:
    return runs.succeeded(case, INPUT)


def scheduled_for(execution: Execution, function: str) -> list[dict]:
    """The parameters of every task scheduled for this function (one per attempt)."""
    return [
        json.loads(event["taskScheduledEventDetails"]["parameters"])
        for event in execution.events("TaskScheduled")
        if function in event["taskScheduledEventDetails"]["parameters"]
    ]


def recorded_decision(execution: Execution) -> dict:
    """The decision RecordDecision was given (it runs once)."""
    [record] = scheduled_for(execution, "RecordDecisionFunctionArn")
    return record["Payload"]["decision"]


def publish_attempts(execution: Execution) -> list[dict]:
    """Every TaskScheduled event of a publication to SNS (one per attempt)."""
    return [
        e
        for e in execution.events("TaskScheduled")
        if e["taskScheduledEventDetails"]["resourceType"] == "sns"
    ]


def test_approve(runs):
    execution = run(runs, "prescreeningApprove")
    assert sorted(execution.states_entered()) == sorted(
        [*MAIN_PATH, "RecordDecision", "PublishDecision"]
    )
    # The decision recorded is the one decided, for this application
    [record] = scheduled_for(execution, "RecordDecisionFunctionArn")
    assert record["Payload"] == {
        "applicationId": "mock-0001",
        "decision": {"outcome": "approve", "reasons": ["all checks passed"]},
    }
    # Decide saw all three checks' results
    [decide] = scheduled_for(execution, "DecideFunctionArn")
    assert set(decide["Payload"]["checks"]) == {"identity", "credit", "affordability"}
    assert decide["Payload"]["checks"]["credit"]["score"] == 720
    # The execution's output is the published summary (no personal data)
    assert execution.output == {
        "applicationId": "mock-0001",
        "decision": "approve",
        "reasons": ["all checks passed"],
    }


def test_decline(runs):
    execution = run(runs, "prescreeningDecline")
    assert "WaitForReview" not in execution.states_entered()
    assert recorded_decision(execution) == {
        "outcome": "decline",
        "reasons": ["credit score below 580"],
    }


def test_an_invalid_application_is_declined_without_checks(runs):
    execution = run(runs, "prescreeningInvalid")
    assert execution.states_entered() == [
        *VALIDATION,
        "DeclineInvalidApplication",
        "RecordDecision",
        "PublishDecision",
    ]
    assert recorded_decision(execution) == {
        "outcome": "decline",
        "reasons": ["applicant is under 18"],
    }


def test_refer_waits_for_a_review_and_records_the_verdict(runs):
    execution = run(runs, "prescreeningRefer")
    assert "WaitForReview" in execution.states_entered()
    # The review request carried the referral's reasons and a task token
    [review] = scheduled_for(execution, "RequestReviewFunctionArn")
    assert review["Payload"]["applicationId"] == "mock-0001"
    assert review["Payload"]["reasons"] == ["credit score below 660"]
    assert review["Payload"]["taskToken"]
    # The reviewer's verdict is what gets recorded
    assert recorded_decision(execution) == {
        "outcome": "approve",
        "reasons": ["approve on review"],
        "reviewedBy": "rita",
    }


def test_bureau_failure_is_retried_with_backoff_then_referred(runs):
    execution = run(runs, "prescreeningBureauFailureWithRetries")
    # One attempt and three retries, then the branch goes on without a credit file
    assert len(scheduled_for(execution, "CreditCheckFunctionArn")) == 4
    assert "CreditBureauDown" in execution.states_entered()
    [decide] = scheduled_for(execution, "DecideFunctionArn")
    assert decide["Payload"]["checks"]["credit"] == {
        "available": False,
        "reason": "CreditBureauUnavailable",
    }
    # Not lost: referred to a person, whose verdict is recorded
    assert "WaitForReview" in execution.states_entered()
    assert execution.output["decision"] == "approve"


def test_bureau_recovering_within_the_retries_is_used(runs):
    execution = run(runs, "prescreeningBureauRecovers")
    assert len(scheduled_for(execution, "CreditCheckFunctionArn")) == 3
    assert "CreditBureauDown" not in execution.states_entered()
    [decide] = scheduled_for(execution, "DecideFunctionArn")
    assert decide["Payload"]["checks"]["credit"]["score"] == 720


def test_review_timeout_declines_with_its_reason(runs):
    execution = run(runs, "prescreeningReviewTimeout")
    entered = execution.states_entered()
    assert entered.index("WaitForReview") < entered.index("ReviewTimedOut")
    assert recorded_decision(execution) == {
        "outcome": "decline",
        "reasons": ["review timed out"],
    }


def test_every_check_is_given_the_id_only(runs):
    execution = run(runs, "prescreeningApprove")
    for function in ("IdentityCheck", "CreditCheck", "AffordabilityCheck"):
        [scheduled] = scheduled_for(execution, f"{function}FunctionArn")
        assert scheduled["Payload"] == {"applicationId": "mock-0001"}, function


def test_a_failing_step_marks_the_application_failed_naming_the_step_not_the_cause(
    runs,
):
    # GIVEN Decide crashes (its cause holds a stack trace)
    execution = runs.finished("prescreeningDecideFails", INPUT)
    # THEN the application is marked failed with the step and the error's name, then the
    # execution fails (so the failed-executions alarm sees it)
    assert execution.status == "FAILED"
    assert execution.error == "ScreeningFailed"
    assert "stackTrace" not in (execution.cause or "")
    [marked] = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])
        for event in execution.events("TaskScheduled")
        if event["taskScheduledEventDetails"]["resourceType"] == "dynamodb"
    ]
    assert marked["Key"] == {"applicationId": {"S": "mock-0001"}}
    assert marked["ExpressionAttributeValues"][":failure"] == {
        "M": {"state": {"S": "Decide"}, "error": {"S": "KeyError"}}
    }
    assert "stackTrace" not in json.dumps(marked)


def test_publishing_the_decision_is_retried(runs):
    execution = run(runs, "prescreeningPublishRecovers")
    published = publish_attempts(execution)
    assert len(published) == 3
    [message] = {
        json.dumps(json.loads(e["taskScheduledEventDetails"]["parameters"])["Message"])
        for e in published
    }
    assert json.loads(message) == {
        "applicationId": "mock-0001",
        "decision": "approve",
        "reasons": ["all checks passed"],
    }


def test_a_decision_that_cannot_be_published_fails_the_run_and_keeps_the_decision(
    runs,
):
    execution = runs.finished("prescreeningPublishFails", INPUT)
    assert execution.status == "FAILED"
    published = publish_attempts(execution)
    assert len(published) == 4  # the attempt and three retries
    entered = execution.states_entered()
    assert entered[-3:] == ["PublishDecisionFailed", "RecordFailure", "ScreeningFailed"]
