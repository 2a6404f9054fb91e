"""The third-party /double API: doubles, and answers each task token exactly once."""

import json

import boto3
import pytest

from support.handlers import fresh
from unit.approval.approval_testkit import IDEMPOTENCY_TABLE


def post(number, token: str = "token-1") -> dict:  # noqa: S107
    return {
        "resource": "/double",
        "path": "/double",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"resourcePath": "/double", "httpMethod": "POST", "stage": "test"},
        "body": json.dumps({"number": number, "taskToken": token}),
        "isBase64Encoded": False,
    }


@pytest.fixture
def double(aws):
    return fresh("approval.handlers.double")


def test_a_small_number_is_doubled_and_the_token_answered_with_success(
    double, task_answers, lambda_context
):
    # GIVEN the third party and a waiting token
    # WHEN 247 is posted
    response = double.handler(post(247), lambda_context)
    # THEN it answers 200 with 494 and sends SendTaskSuccess once
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["doubled"] == 494
    assert task_answers == [("ok", "token-1", {"number": 247, "doubled": 494})]


def test_a_doubled_number_of_500_fails_the_token(double, task_answers, lambda_context):
    response = double.handler(post(250), lambda_context)
    assert json.loads(response["body"])["accepted"] is False
    assert task_answers == [
        ("fail", "token-1", "DoubledNumberIsTooBig", "250 doubled is 500, which is 500 or more")
    ]


@pytest.mark.parametrize("number", [247, 250])
def test_a_repeated_request_gets_the_same_answer_and_no_second_callback(
    double, task_answers, lambda_context, number
):
    # GIVEN a token already answered
    first = double.handler(post(number), lambda_context)
    # WHEN the same request arrives again (a client or gateway retry)
    second = double.handler(post(number), lambda_context)
    # THEN the recorded answer comes back and Step Functions heard from us once
    assert second["statusCode"] == 200
    assert json.loads(second["body"]) == json.loads(first["body"])
    assert len(task_answers) == 1


def test_the_same_token_with_another_number_is_refused(double, task_answers, lambda_context):
    double.handler(post(10), lambda_context)
    response = double.handler(post(251), lambda_context)
    assert response["statusCode"] == 409
    assert len(task_answers) == 1


def test_different_tokens_are_each_answered(double, task_answers, lambda_context):
    double.handler(post(10, "token-a"), lambda_context)
    double.handler(post(10, "token-b"), lambda_context)
    assert [answer[1] for answer in task_answers] == ["token-a", "token-b"]


def test_the_token_is_recorded_hashed_not_in_clear(double, task_answers, lambda_context):
    double.handler(post(10, "a-very-secret-token"), lambda_context)
    items = boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert len(items) == 1
    assert "a-very-secret-token" not in json.dumps(items)


def test_an_answer_step_functions_no_longer_takes_is_recorded_not_retried(
    double, monkeypatch, lambda_context
):
    # GIVEN a token whose task already gave up waiting
    from common import stepfunctions

    calls = []

    def too_late(token, output):
        calls.append(token)
        raise stepfunctions.TaskNoLongerWaiting("TaskTimedOut")

    monkeypatch.setattr(stepfunctions, "send_task_success", too_late)
    # WHEN it is posted twice
    first = double.handler(post(3), lambda_context)
    second = double.handler(post(3), lambda_context)
    # THEN it says the answer was not delivered, and only tried once
    assert json.loads(first["body"])["delivered"] is False
    assert json.loads(second["body"]) == json.loads(first["body"])
    assert calls == ["token-1"]


@pytest.mark.parametrize(
    "body", ["not json", json.dumps({"number": "7", "taskToken": "t"}), json.dumps({"number": 7})]
)
def test_a_bad_request_is_400_and_answers_nothing(double, task_answers, lambda_context, body):
    event = {**post(1), "body": body}
    response = double.handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert task_answers == []
