"""Each approval function run on its sample event in events/ (what `make invoke` sends)."""

import json

import boto3

from common import stepfunctions
from support.events import sample_event
from support.handlers import fresh

CALCULATION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def body_of(response: dict) -> dict:
    return json.loads(response["body"])


def test_validate_input_accepts_its_sample(lambda_context):
    validate = fresh("approval.handlers.validate_input")
    assert validate.handler(sample_event("approval-validate-input"), lambda_context)["valid"]


def test_calculate_sends_its_sample_s_sum_to_the_third_party(third_party, lambda_context):
    calculate = fresh("approval.handlers.calculate")
    assert calculate.handler(sample_event("approval-calculate"), lambda_context) == {"sum": 247}
    assert [body["number"] for _, body in third_party.received] == [247]


def test_the_calculations_api_starts_then_describes_its_samples(aws, lambda_context):
    # GIVEN the approval state machine
    boto3.client("stepfunctions").create_state_machine(
        name="approval",
        definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )
    api = fresh("approval.handlers.calculations_api")
    # WHEN the sample POST arrives THEN an execution starts
    started = api.handler(sample_event("approval-calculations-api-post"), lambda_context)
    assert started["statusCode"] == 202
    # AND the sample GET (of the sample id) finds its calculation once it exists
    assert (
        api.handler(sample_event("approval-calculations-api-get"), lambda_context)["statusCode"]
        == 404
    )
    stepfunctions.start_execution(api.settings.state_machine_arn, CALCULATION_ID, {"x": 1, "y": 2})
    found = api.handler(sample_event("approval-calculations-api-get"), lambda_context)
    assert found["statusCode"] == 200 and body_of(found)["id"] == CALCULATION_ID


def test_request_approval_then_the_decision_samples(aws, task_answers, lambda_context):
    # GIVEN the sample approval request handled (its item stored, its email sent)
    request = fresh("approval.handlers.request_approval")
    requested = request.handler(sample_event("approval-request-approval"), lambda_context)
    assert requested["calculationId"] == CALCULATION_ID
    # WHEN the sample decision links arrive (their signature is not one the stack made)
    decision = fresh("approval.handlers.decision")
    page = decision.handler(sample_event("approval-decision-get"), lambda_context)
    confirm = decision.handler(sample_event("approval-decision-post"), lambda_context)
    # THEN both are refused as forged pages, and nothing is sent to Step Functions
    assert (page["statusCode"], confirm["statusCode"]) == (403, 403)
    assert "Forged link" in confirm["body"]
    assert task_answers == []


def test_double_answers_its_sample_s_token(aws, task_answers, lambda_context):
    double = fresh("approval.handlers.double")
    response = double.handler(sample_event("approval-double"), lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response) == {"number": 247, "doubled": 494, "accepted": True, "delivered": True}
    assert task_answers == [
        ("ok", "sample-task-token-not-known-to-step-functions", {"number": 247, "doubled": 494})
    ]


def test_health_answers_its_sample(lambda_context):
    health = fresh("health.app")
    response = health.handler(sample_event("health-get"), lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response) == {"status": "ok", "stage": "unit"}
    # AND the answer carries the request's correlation id, as every API's answers do
    assert response["multiValueHeaders"]["X-Correlation-Id"] == ["sample-health-request"]
