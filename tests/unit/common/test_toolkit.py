"""The CommonLayer's toolkit, on its own: settings, HTTP answers, Step Functions, DynamoDB,
masking and error descriptions."""

import json
import math

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pydantic import BaseModel, Field, ValidationError

from common import stepfunctions
from common.aws import client
from common.batch import sqs_batch_handler
from common.dynamodb import from_item, write_all
from common.errors import field_errors
from common.http import api_handler, json_response, require_uuid, rest_api
from common.masking import ERASE, keep_last, masked
from common.settings import FunctionSettings, SettingsError, env_names, load_settings
from common.stepfunctions import AnswerNotDelivered, Delivery
from support.template import create_table

# --- settings ----------------------------------------------------------------------------------


class _Settings(FunctionSettings):
    table: str = Field(alias="TOOLKIT_TABLE")
    size: int = Field(alias="TOOLKIT_SIZE", ge=1)


class _WorkflowSettings(FunctionSettings, alias_generator=env_names("TOOLKIT_")):
    """A workflow's base: its prefix, named once."""


class _StepSettings(_WorkflowSettings):
    queue_url: str
    batch_size: int = Field(10, ge=1)


# Each way of naming a variable (its alias, or the workflow's prefix and the field's name): the
# model, a required variable, and a number variable.
NAMINGS = [
    pytest.param(_Settings, "TOOLKIT_TABLE", "TOOLKIT_SIZE", id="alias"),
    pytest.param(_StepSettings, "TOOLKIT_QUEUE_URL", "TOOLKIT_BATCH_SIZE", id="prefix"),
]


def test_a_workflow_prefix_names_each_field_s_variable(monkeypatch):
    # GIVEN a function's model under a workflow base with the TOOLKIT_ prefix
    monkeypatch.setenv("TOOLKIT_QUEUE_URL", "https://queue")
    monkeypatch.setenv("TOOLKIT_BATCH_SIZE", "25")
    # WHEN it is loaded
    settings = load_settings(_StepSettings)
    # THEN each field is read from the prefix and its name in upper case
    assert (settings.queue_url, settings.batch_size) == ("https://queue", 25)


@pytest.mark.parametrize(("model", "required", "number"), NAMINGS)
def test_a_missing_variable_is_named_in_full_at_load(monkeypatch, model, required, number):
    # GIVEN the variable of a required field is not set
    monkeypatch.setenv(number, "3")
    monkeypatch.delenv(required, raising=False)
    # WHEN the model is loaded THEN the error names the variable in full
    with pytest.raises(SettingsError, match=f"{required}: Field required"):
        load_settings(model)


@pytest.mark.parametrize(("model", "required", "number"), NAMINGS)
def test_an_invalid_variable_is_named_but_its_value_never_shown(
    monkeypatch, model, required, number
):
    monkeypatch.setenv(required, "t")
    monkeypatch.setenv(number, "secret-value")
    with pytest.raises(SettingsError, match=number) as raised:
        load_settings(model)
    assert "secret-value" not in str(raised.value)


# --- HTTP --------------------------------------------------------------------------------------


class _Thing(BaseModel):
    name: str = Field(min_length=1)
    count: int


app = rest_api()


@app.post("/things")
def add_thing(thing: _Thing):
    return json_response(201, {"name": thing.name, "count": thing.count})


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    require_uuid(order_id, "order")
    return json_response(200, {"id": order_id})


@app.get("/nan")
def not_a_number():
    return json_response(200, {"value": math.nan})


handler = api_handler(app)


def request(method: str, path: str, body: str | None = None) -> dict:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"resourcePath": path, "httpMethod": method, "requestId": "req-1"},
        "body": body,
        "isBase64Encoded": False,
    }


def answer(event: dict, lambda_context) -> tuple[int, dict]:
    response = handler(event, lambda_context)
    assert response["multiValueHeaders"]["X-Correlation-Id"] == ["req-1"]
    return response["statusCode"], json.loads(response["body"])


def test_the_callers_correlation_id_is_echoed(lambda_context):
    # GIVEN a request carrying the client's own correlation id (header names are any case)
    event = request("GET", "/nan")
    event["headers"]["x-correlation-id"] = "order-42.retry:1"
    # THEN the answer echoes it instead of API Gateway's request id
    response = handler(event, lambda_context)
    assert response["multiValueHeaders"]["X-Correlation-Id"] == ["order-42.retry:1"]


@pytest.mark.parametrize("sent", ["", "has space", "ada@example.com", "x" * 129, "line\nbreak"])
def test_a_correlation_id_that_is_not_a_plain_token_is_replaced(sent, lambda_context):
    # It goes into every log line: no spaces, addresses, line breaks or floods from a caller.
    event = request("GET", "/nan")
    event["headers"]["X-Correlation-Id"] = sent
    response = handler(event, lambda_context)
    assert response["multiValueHeaders"]["X-Correlation-Id"] == ["req-1"]


def test_an_invalid_body_names_its_fields_never_its_values(lambda_context):
    body = json.dumps({"name": "", "count": "private-7"})
    status, problem = answer(request("POST", "/things", body), lambda_context)
    assert status == 400
    assert problem["message"] == "invalid request"
    assert [e.split(":")[0] for e in problem["errors"]] == ["name", "count"]
    assert "private-7" not in json.dumps(problem)


def test_a_body_that_is_not_json_is_a_400(lambda_context):
    assert answer(request("POST", "/things", "{oops"), lambda_context) == (
        400,
        {"message": "the body is not valid JSON"},
    )


def test_an_unknown_route_is_a_404_in_the_same_shape(lambda_context):
    assert answer(request("GET", "/nowhere"), lambda_context) == (
        404,
        {"message": "no such resource"},
    )


def test_a_malformed_id_is_answered_as_unknown(lambda_context):
    # GIVEN a route over random ids WHEN asked for one that is not a UUID
    # THEN 404 naming what was asked for, in the one error shape (not a 400: it names nothing)
    assert answer(request("GET", "/orders/not-an-id"), lambda_context) == (
        404,
        {"message": "no such order"},
    )


def test_a_well_formed_id_reaches_the_route(lambda_context):
    order_id = "0b0c4f7e-5c1a-4e39-9a57-2f1f1c0d9e11"
    assert answer(request("GET", f"/orders/{order_id}"), lambda_context) == (
        200,
        {"id": order_id},
    )


def test_no_nan_ever_leaves_an_api(lambda_context):
    # GIVEN a route whose answer holds NaN WHEN called THEN a 500 in the one shape, no NaN
    assert answer(request("GET", "/nan"), lambda_context) == (
        500,
        {"message": "internal error; try again later"},
    )


# --- SQS batches -------------------------------------------------------------------------------


def sqs_message(message_id: str, body: str) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:toolkit",
        "awsRegion": "us-east-1",
    }


def test_a_batch_retries_only_the_messages_that_failed(lambda_context):
    # GIVEN a function whose record handler fails on one message of three
    handled = []

    def handle_one(record) -> str:
        if record.body == "bad":
            raise ValueError("cannot handle it")
        handled.append(record.body)
        return record.body

    batch_handler = sqs_batch_handler(handle_one)
    event = {"Records": [sqs_message("m1", "a"), sqs_message("m2", "bad"), sqs_message("m3", "c")]}
    # WHEN the batch arrives
    response = batch_handler(event, lambda_context)
    # THEN the others are handled and only the failed message is reported for redelivery
    assert handled == ["a", "c"]
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


# --- Step Functions -----------------------------------------------------------------------------


@pytest.fixture
def state_machine():
    with mock_aws():
        yield boto3.client("stepfunctions").create_state_machine(
            name="toolkit",
            definition=json.dumps({"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]


def test_an_execution_starts_once_per_name(state_machine, monkeypatch):
    first = stepfunctions.start_execution(state_machine, "run-1", {"a": 1})
    sfn = client("stepfunctions")

    def exists(**kwargs):
        raise sfn.exceptions.ExecutionAlreadyExists(
            {"Error": {"Code": "ExecutionAlreadyExists", "Message": "exists"}}, "StartExecution"
        )

    monkeypatch.setattr(sfn, "start_execution", exists)
    again = stepfunctions.start_execution(state_machine, "run-1", {"a": 1})
    assert first.started and not again.started
    assert again.arn == first.arn == stepfunctions.execution_arn(state_machine, "run-1")


@pytest.mark.parametrize("code", sorted(stepfunctions.TASK_GONE))
def test_a_task_that_stopped_waiting_keeps_its_claim(code):
    released = []

    def refused(token: str) -> None:
        raise stepfunctions.TaskNoLongerWaiting(code)

    answered = stepfunctions.answer_claimed_task(
        claim=lambda: {"token": "t"},
        task_token=lambda claimed: claimed["token"],
        send=refused,
        release=released.append,
    )
    assert answered.delivery is Delivery.TASK_GONE and released == []


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailable"])
def test_an_answer_that_could_not_be_sent_releases_the_claim(state_machine, monkeypatch, code):
    sfn = client("stepfunctions")

    def failing(**kwargs):
        raise ClientError({"Error": {"Code": code, "Message": "no"}}, "SendTaskSuccess")

    monkeypatch.setattr(sfn, "send_task_success", failing)
    released = []
    with pytest.raises(AnswerNotDelivered, match=code):
        stepfunctions.answer_claimed_task(
            claim=lambda: {"token": "t"},
            task_token=lambda claimed: claimed["token"],
            send=lambda token: stepfunctions.send_task_success(token, {"ok": True}),
            release=released.append,
        )
    assert released == [{"token": "t"}]


def test_nothing_to_claim_sends_nothing():
    answered = stepfunctions.answer_claimed_task(
        claim=lambda: None,
        task_token=lambda claimed: "t",
        send=lambda token: pytest.fail("sent"),
        release=lambda claimed: pytest.fail("released"),
    )
    assert answered.delivery is Delivery.NOT_PENDING


# --- DynamoDB, masking, errors ------------------------------------------------------------------


def test_batch_writes_put_every_item_and_numbers_come_back_as_json():
    with mock_aws():
        create_table("PreScreeningLogTable", "log")
        items = [
            {"applicationId": f"a{n}", "entry": "E", "amount": 12.5, "count": n, "none": None}
            for n in range(60)  # more than two BatchWriteItem calls
        ]
        write_all("log", items, keys=("applicationId", "entry"))
        stored = boto3.resource("dynamodb").Table("log").scan()["Items"]
    assert len(stored) == 60
    plain = from_item(next(item for item in stored if item["applicationId"] == "a7"))
    assert plain == {"applicationId": "a7", "entry": "E", "amount": 12.5, "count": 7}


def test_masking_erases_or_keeps_the_end_and_leaves_the_original():
    person = {"id": "123456789", "born": "1990-01-01", "name": "Ada"}
    shown = masked(person, {"id": keep_last(3), "born": ERASE, "missing.field": ERASE})
    assert shown == {"id": "******789", "born": "*****", "name": "Ada"}
    assert person["id"] == "123456789"


def test_errors_name_the_field_and_never_the_value():
    class Person(BaseModel):
        age: int

    with pytest.raises(ValidationError) as raised:
        Person.model_validate({"age": "forty-two"})
    assert field_errors(raised.value) == [
        "age: Input should be a valid integer, unable to parse string as an integer"
    ]
