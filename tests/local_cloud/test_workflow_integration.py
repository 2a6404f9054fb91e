"""A small SAM application deployed into the local cloud: SAM build and deploy, a state machine
invoking host-run functions that write to DynamoDB, Retry and Catch on errors the functions
raise, and a JSONata state."""

from __future__ import annotations

import json
import uuid

import pytest

from devkit.local_cloud import client, wait_for_execution


@pytest.fixture(scope="module")
def fixture_stack(deploy_fixture) -> dict[str, str]:
    return deploy_fixture("app")


def run_order(outputs: dict[str, str], order: dict):
    execution_arn = client("stepfunctions").start_execution(
        stateMachineArn=outputs["OrderStateMachineArn"], input=json.dumps(order)
    )["executionArn"]
    return wait_for_execution(execution_arn, timeout=60)


def test_order_is_priced_with_jsonata_retried_and_recorded(fixture_stack):
    # GIVEN an order whose payment gateway is busy twice
    order_id = uuid.uuid4().hex
    order = {
        "orderId": order_id,
        "item": "widget",
        "lines": [{"qty": 2, "price": 5}, {"qty": 1, "price": 7}],
        "busy_attempts": 2,
    }

    # WHEN the workflow runs
    execution = run_order(fixture_stack, order)

    # THEN it succeeds after two retries, with the JSONata total, and the order is in DynamoDB
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["total"] == 17
    assert execution.output["attempts"] == 3
    failures = [
        event["taskFailedEventDetails"]["error"] for event in execution.events("TaskFailed")
    ]
    assert failures == ["PaymentGatewayBusy", "PaymentGatewayBusy"]
    item = client("dynamodb").get_item(
        TableName=fixture_stack["OrdersTableName"], Key={"orderId": {"S": order_id}}
    )["Item"]
    assert item["item"] == {"S": "widget"}
    assert item["total"] == {"N": "17"}


def test_an_error_raised_by_a_function_is_caught_by_its_type(fixture_stack):
    # GIVEN an order for an item that is out of stock
    order = {"orderId": uuid.uuid4().hex, "item": "unobtainium", "lines": []}

    # WHEN the workflow runs
    execution = run_order(fixture_stack, order)

    # THEN the Catch on OutOfStock led to the Rejected state, and nothing was charged
    assert execution.status == "SUCCEEDED"
    assert execution.output == {
        "orderId": order["orderId"],
        "rejected": True,
        "reason": "OutOfStock",
    }
    assert "ChargeCard" not in execution.states_entered()
