"""A Step Functions DynamoDB task with a malformed attribute value fails as on AWS, with
DynamoDB's validation message (localcloud/aws_behaviours/sfn_dynamodb_validation.py)."""

from __future__ import annotations

import uuid

import pytest

from devkit.local_cloud import client, service_role, wait_for_execution

PUTS_ITEMS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "dynamodb:PutItem",
            "Resource": "arn:aws:dynamodb:*:000000000000:table/sfn-validation-*",
        }
    ],
}


@pytest.fixture
def table(local_cloud):
    dynamodb = client("dynamodb")
    name = f"sfn-validation-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


@pytest.fixture
def writer_role(local_cloud) -> str:
    """The role of the state machines that write to the tests' tables."""
    return service_role(client("iam"), "sfn-validation-writer", "states.amazonaws.com", PUTS_ITEMS)


def put_item(table: str, item: dict) -> dict:
    return {
        "StartAt": "Store",
        "States": {
            "Store": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": table, "Item": item},
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"id": "plain"}, "Supplied AttributeValue is empty"),
        ({"id": {"S": "x"}, "tags": {"L": [{"S": "a"}, 7]}}, "Supplied AttributeValue is empty"),
        ({"id": {"S": "x", "N": "1"}}, "Supplied AttributeValue has more than one datatypes"),
    ],
    ids=["untyped", "untyped-in-a-list", "two-types"],
)
def test_a_malformed_attribute_value_fails_with_dynamodbs_validation_error(
    table, state_machine, writer_role, item, message
):
    # GIVEN a putItem task whose item holds a malformed attribute value
    arn = state_machine(put_item(table, item), writer_role)
    # WHEN it runs
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    # THEN it failed as on AWS: DynamoDB's message and error code, no Python error
    assert execution.status == "FAILED"
    assert execution.error == "DynamoDB.AmazonDynamoDBException"
    assert execution.cause.startswith(message), execution.cause
    assert "Error Code: ValidationException" in execution.cause
    # AND nothing was written
    assert client("dynamodb").scan(TableName=table)["Items"] == []


def test_a_well_typed_item_is_written(table, state_machine, writer_role):
    # GIVEN a putItem task with typed values, nested ones included
    item = {"id": {"S": "ok"}, "tags": {"L": [{"S": "a"}, {"M": {"n": {"N": "1"}}}]}}
    arn = state_machine(put_item(table, item), writer_role)
    # WHEN it runs THEN the item is stored
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    assert execution.status == "SUCCEEDED", execution.cause
    stored = client("dynamodb").get_item(TableName=table, Key={"id": {"S": "ok"}})["Item"]
    assert stored == item
