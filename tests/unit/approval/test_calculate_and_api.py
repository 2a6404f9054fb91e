"""Calculate's HTTP call to the third party, IsInputValid's handler, and the calculations API."""

import json
import os

import boto3
import pytest

from approval.models import NumberIsTooBig
from support.handlers import fresh


def test_calculate_sends_the_sum_and_token_to_double(third_party, lambda_context):
    # GIVEN the third party answering
    calculate = fresh("approval.handlers.calculate")
    # WHEN Calculate runs with 125 and 122
    result = calculate.handler({"x": 125, "y": 122, "taskToken": "tok"}, lambda_context)
    # THEN /double got the sum and the token
    assert result == {"sum": 247}
    assert third_party.received == [("/dev/double", {"number": 247, "taskToken": "tok"})]


def test_calculate_refuses_a_sum_over_250_without_calling_the_third_party(
    third_party, lambda_context
):
    calculate = fresh("approval.handlers.calculate")
    with pytest.raises(NumberIsTooBig):
        calculate.handler({"x": 200, "y": 51, "taskToken": "tok"}, lambda_context)
    assert third_party.received == []


def test_calculate_fails_when_the_third_party_refuses_the_request(third_party, lambda_context):
    from approval.dal.double_api import ThirdPartyUnavailable

    third_party.status = 400
    calculate = fresh("approval.handlers.calculate")
    with pytest.raises(ThirdPartyUnavailable, match="400"):
        calculate.handler({"x": 1, "y": 2, "taskToken": "tok"}, lambda_context)


def test_calculate_resends_the_same_token_when_the_third_party_is_briefly_down(
    third_party, lambda_context
):
    # GIVEN /double answering 503 (the adapter retries; the API's once-per-token rule makes it safe)
    third_party.status = 503
    calculate = fresh("approval.handlers.calculate")
    from approval.dal.double_api import ThirdPartyUnavailable

    with pytest.raises(ThirdPartyUnavailable):
        calculate.handler({"x": 1, "y": 2, "taskToken": "tok"}, lambda_context)
    # THEN the same body went three times (first try and two retries)
    assert [body for _, body in third_party.received] == [{"number": 3, "taskToken": "tok"}] * 3


def test_validate_input_handler_returns_the_checked_calculation(lambda_context):
    validate = fresh("approval.handlers.validate_input")
    assert validate.handler({"x": 1, "y": 2}, lambda_context)["calculation"] == {
        "x": 1,
        "y": 2,
        "approvalTimeoutSeconds": 600,
    }
    assert validate.handler({"x": 1}, lambda_context) == {
        "valid": False,
        "calculation": None,
        "problems": ["y: Field required"],
    }


def api(method: str, path: str, body: str | None = None, resource: str = "") -> dict:
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"resourcePath": resource or path, "httpMethod": method},
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture
def calculations_api(aws, monkeypatch):
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="approval",
        definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    monkeypatch.setenv("APPROVAL_STATE_MACHINE_ARN", arn)
    return fresh("approval.handlers.calculations_api")


def test_posting_a_calculation_starts_an_execution_named_by_its_id(
    calculations_api, lambda_context
):
    # WHEN a calculation is posted
    response = calculations_api.handler(
        api("POST", "/calculations", json.dumps({"x": 125, "y": 122})), lambda_context
    )
    # THEN 202 with an id, and the execution runs under that name with the body as input
    assert response["statusCode"] == 202
    body = json.loads(response["body"])
    assert body["executionArn"].endswith(f":{body['id']}")
    execution = boto3.client("stepfunctions").describe_execution(executionArn=body["executionArn"])
    assert json.loads(execution["input"]) == {"x": 125, "y": 122}
    # AND its status can be read back
    status = calculations_api.handler(
        api("GET", f"/calculations/{body['id']}", resource="/calculations/{id}"), lambda_context
    )
    assert status["statusCode"] == 200
    assert json.loads(status["body"])["id"] == body["id"]


def test_a_retried_post_with_the_same_idempotency_key_starts_one_calculation(
    calculations_api, lambda_context
):
    # GIVEN a calculation posted with an Idempotency-Key
    post = api("POST", "/calculations", json.dumps({"x": 1, "y": 2}))
    post["headers"]["Idempotency-Key"] = "retry-me-1"
    first = calculations_api.handler(post, lambda_context)
    # WHEN the client retries it, and posts the same body without a key
    again = calculations_api.handler(post, lambda_context)
    unkeyed = calculations_api.handler(
        api("POST", "/calculations", json.dumps({"x": 1, "y": 2})), lambda_context
    )
    # THEN the retry gets the first answer; only the unkeyed post is a new calculation
    assert first["statusCode"] == again["statusCode"] == 202
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert json.loads(unkeyed["body"])["id"] != json.loads(first["body"])["id"]
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=os.environ["APPROVAL_STATE_MACHINE_ARN"]
    )["executions"]
    assert len(executions) == 2


def test_an_idempotency_key_reused_for_another_body_is_a_422(calculations_api, lambda_context):
    post = api("POST", "/calculations", json.dumps({"x": 1, "y": 2}))
    post["headers"]["Idempotency-Key"] = "reused"
    assert calculations_api.handler(post, lambda_context)["statusCode"] == 202
    other = {**post, "body": json.dumps({"x": 5, "y": 6})}
    response = calculations_api.handler(other, lambda_context)
    assert response["statusCode"] == 422
    assert "Idempotency-Key" in json.loads(response["body"])["message"]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", None])
def test_a_body_that_is_not_a_json_object_is_a_400(calculations_api, lambda_context, body):
    response = calculations_api.handler(api("POST", "/calculations", body), lambda_context)
    assert response["statusCode"] == 400


@pytest.mark.parametrize("calculation_id", ["not-a-uuid", "7c9e6679-7425-40de-944b-e07fc1f90ae7"])
def test_an_unknown_calculation_is_a_404(calculations_api, lambda_context, calculation_id):
    response = calculations_api.handler(
        api("GET", f"/calculations/{calculation_id}", resource="/calculations/{id}"),
        lambda_context,
    )
    assert (response["statusCode"], json.loads(response["body"])) == (
        404,
        {"message": "no such calculation"},
    )
