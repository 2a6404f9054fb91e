"""A delivery a service makes in its own name (an internal call carrying its service principal
and the resource it acts for) needs what AWS judges under the target's policies."""

from __future__ import annotations

import pytest

from localcloud.iam.actions import Call, UnmappedOperation
from localcloud.iam.deliveries import delivery_authorisations, is_delivery, principal_name
from unit.localcloud.iam.resources import (
    ARN,
    ENCRYPTED,
    HERE,
    KEY,
    MACHINE,
    QUEUE,
    QUEUE_URL,
    TOPIC,
)

FUNCTION = ARN.format("lambda", "function:wf-local-approval-calculate")
RULE = ARN.format("events", "rule/wf-local-comms-retry")
ALARM = ARN.format("cloudwatch", "alarm:wf-local-payroll-failures")
METHOD = "arn:aws:execute-api:us-east-1:000000000000:a1b2c3/Prod/POST/approvals"


def test_service_principals_are_named_as_aws_names_them() -> None:
    assert principal_name("apigateway") == "apigateway.amazonaws.com"
    assert principal_name("events.amazonaws.com") == "events.amazonaws.com"


def test_only_calls_that_deliver_are_judged_as_the_service() -> None:
    assert is_delivery("lambda", "Invoke")
    assert is_delivery("sqs", "SendMessageBatch")
    assert not is_delivery("sqs", "ReceiveMessage")


def test_api_gateway_invokes_a_function_from_the_method() -> None:
    call = Call("lambda", "Invoke", {"FunctionName": FUNCTION}, HERE)
    (needed,) = delivery_authorisations("apigateway", METHOD, call)
    assert (needed.action, needed.resources, needed.acting_as) == (
        "lambda:InvokeFunction",
        [FUNCTION],
        "apigateway.amazonaws.com",
    )
    assert needed.context["aws:SourceArn"] == METHOD
    assert needed.context["aws:SourceAccount"] == "000000000000"


def test_sns_sends_to_an_encrypted_queue_with_the_key() -> None:
    call = Call("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "m"}, HERE)
    needed = delivery_authorisations("sns", TOPIC, call, ENCRYPTED)
    assert [(one.action, one.resources, one.acting_as) for one in needed] == [
        ("sqs:SendMessage", [QUEUE], "sns.amazonaws.com"),
        ("kms:GenerateDataKey", [KEY], "sns.amazonaws.com"),
        ("kms:Decrypt", [KEY], "sns.amazonaws.com"),
    ]


def test_an_alarm_publishes_as_cloudwatch() -> None:
    call = Call("sns", "Publish", {"TopicArn": TOPIC, "Message": "m"}, HERE)
    needed = delivery_authorisations("cloudwatch", ALARM, call)
    assert [(one.action, one.acting_as) for one in needed] == [
        ("sns:Publish", "cloudwatch.amazonaws.com")
    ]
    assert needed[0].context["aws:SourceArn"] == ALARM


def test_eventbridge_starts_an_execution_from_its_rule() -> None:
    call = Call("stepfunctions", "StartExecution", {"stateMachineArn": MACHINE}, HERE)
    (needed,) = delivery_authorisations("events", RULE, call)
    assert (needed.action, needed.resources, needed.acting_as) == (
        "states:StartExecution",
        [MACHINE],
        "events.amazonaws.com",
    )


def test_s3_notifies_a_queue_from_a_bucket_of_the_account() -> None:
    call = Call("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "m"}, HERE)
    (needed,) = delivery_authorisations("s3", "arn:aws:s3:::raw-data", call)
    assert (needed.action, needed.acting_as) == ("sqs:SendMessage", "s3.amazonaws.com")
    assert needed.context["aws:SourceAccount"] == "000000000000"


def test_a_delivery_not_mapped_is_named() -> None:
    call = Call("sns", "Publish", {"TopicArn": TOPIC, "Message": "m"}, HERE)
    with pytest.raises(UnmappedOperation, match=r"logs\.amazonaws\.com calling sns:Publish"):
        delivery_authorisations("logs", "arn:aws:logs:us-east-1:000000000000:log-group:g", call)
