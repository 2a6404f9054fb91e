"""Lambda's waiters in the local cloud's process look again after 50 ms, not a second, within
the same deadline (localcloud/speed/lambda_waiters.py); other services' waiters are unchanged."""

from __future__ import annotations

import importlib
import sys

import boto3
import pytest
from botocore import waiter
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

from support.localstack_hooks import stand_in_localstack_hooks


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's start hook run, as LocalStack would (a stand-in records it: LocalStack is
    not installed here); botocore's Waiter.wait is restored after."""
    stand_in_localstack_hooks(monkeypatch)
    monkeypatch.delitem(sys.modules, "localcloud.speed.lambda_waiters", raising=False)
    monkeypatch.setattr(waiter.Waiter, "wait", waiter.Waiter.wait)
    importlib.import_module("localcloud.speed.lambda_waiters").poll_lambda_waiters_sooner()


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses botocore's waiters take between two looks (recorded, not slept)."""
    taken: list[float] = []
    monkeypatch.setattr(waiter.time, "sleep", taken.append)
    return taken


def aws_client(service: str):
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def function(status: str) -> dict:
    return {"Configuration": {"FunctionName": "orders", "LastUpdateStatus": status}}


def test_a_function_being_updated_is_looked_at_again_after_50_ms(started, pauses):
    # GIVEN a function still updating at the first two looks
    lambda_ = aws_client("lambda")
    with Stubber(lambda_) as stub:
        for status in ("InProgress", "InProgress", "Successful"):
            stub.add_response("get_function", function(status), {"FunctionName": "orders"})
        # WHEN LocalStack's CloudFormation waits for it as the resource provider does
        lambda_.get_waiter("function_updated_v2").wait(FunctionName="orders")
    # THEN it looked again after 50 ms each time, not after its Delay of 1 s
    assert pauses == [0.05, 0.05]


def test_the_waiters_deadline_is_kept(started, pauses):
    # GIVEN a function that stays InProgress, and a waiter allowed 2 looks a second apart
    lambda_ = aws_client("lambda")
    with Stubber(lambda_) as stub:
        for _ in range(40):
            stub.add_response("get_function", function("InProgress"), {"FunctionName": "orders"})
        # WHEN it waits THEN it gives up after as long: 40 looks, 50 ms apart
        with pytest.raises(WaiterError, match="Max attempts exceeded"):
            lambda_.get_waiter("function_updated_v2").wait(
                FunctionName="orders", WaiterConfig={"Delay": 1, "MaxAttempts": 2}
            )
        stub.assert_no_pending_responses()
    assert pauses == [0.05] * 39


def test_another_services_waiter_keeps_its_delay(started, pauses):
    # GIVEN a stack still being created at the first look
    cloudformation = aws_client("cloudformation")
    stack = {"StackName": "orders", "CreationTime": "2026-01-01T00:00:00Z"}
    with Stubber(cloudformation) as stub:
        for status in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE"):
            stub.add_response(
                "describe_stacks",
                {"Stacks": [{**stack, "StackStatus": status}]},
                {"StackName": "orders"},
            )
        # WHEN a CloudFormation waiter waits for it
        cloudformation.get_waiter("stack_create_complete").wait(StackName="orders")
    # THEN it paused its own Delay (30 s)
    assert pauses == [30]
