"""What a service does by itself maps to what AWS authorises: Step Functions tasks as the state
machine's role (with `.sync`'s extra actions), event source mappings and Lambda's own calls as
the function's role, and deliveries as a service principal under the target's policies."""

from __future__ import annotations

import pytest

from localcloud.iam.actions import Authorisation, UnmappedOperation
from localcloud.iam.integrations import (
    alarm_notification,
    bucket_notification,
    dead_letter,
    event_target,
    function_invoked_by,
    function_logging,
    is_mapped_task,
    queue_polling,
    stream_polling,
    task_authorisations,
    topic_to_queue,
    tracing,
)
from unit.localcloud.iam.aws_definitions import problems
from unit.localcloud.iam.resources import (
    ARN,
    ENCRYPTED,
    HERE,
    KEY,
    MACHINE,
    QUEUE,
    STREAM,
    TOPIC,
)

SECURE = {"aws:SecureTransport": True}
FUNCTION = ARN.format("lambda", "function:wf-local-approval-calculate")
RULE = ARN.format("events", "rule/wf-local-comms-retry")
ALARM = ARN.format("cloudwatch", "alarm:wf-local-payroll-failures")


def from_service(principal: str, source: str) -> dict[str, object]:
    return {
        "aws:SourceArn": source,
        "aws:SourceAccount": "000000000000",
        "aws:PrincipalServiceName": principal,
        **SECURE,
    }


def test_a_lambda_task_invokes_its_function() -> None:
    needed = task_authorisations(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        {"FunctionName": FUNCTION, "Payload": {}},
        HERE,
    )
    assert needed == [Authorisation("lambda:InvokeFunction", [FUNCTION], SECURE)]


def test_a_dynamodb_task_updates_its_table() -> None:
    needed = task_authorisations(
        "arn:aws:states:::dynamodb:updateItem",
        {"TableName": "approvals", "Key": {"id": {"S": "1"}}, "UpdateExpression": "SET a = :a"},
        HERE,
    )
    assert needed == [
        Authorisation("dynamodb:UpdateItem", [ARN.format("dynamodb", "table/approvals")], SECURE)
    ]


def test_an_sdk_task_is_its_api_call() -> None:
    needed = task_authorisations(
        "arn:aws:states:::aws-sdk:s3:putObject", {"Bucket": "b", "Key": "k", "Body": "x"}, HERE
    )
    assert needed == [Authorisation("s3:PutObject", ["arn:aws:s3:::b/k"], SECURE)]


def test_a_publish_task_to_an_encrypted_topic_uses_its_key() -> None:
    needed = task_authorisations(
        "arn:aws:states:::sns:publish", {"TopicArn": TOPIC, "Message": "x"}, HERE, ENCRYPTED
    )
    assert [(one.action, one.resources) for one in needed] == [
        ("sns:Publish", [TOPIC]),
        ("kms:GenerateDataKey", [KEY]),
        ("kms:Decrypt", [KEY]),
    ]


@pytest.mark.parametrize("pattern", [".sync", ".sync:2"])
def test_a_sync_execution_also_describes_stops_and_keeps_the_managed_rule(pattern: str) -> None:
    needed = task_authorisations(
        f"arn:aws:states:::states:startExecution{pattern}",
        {"StateMachineArn": MACHINE, "Input": {}},
        HERE,
    )
    executions = ARN.format("states", "execution:payroll:*")
    rule = ARN.format("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")
    assert [(one.action, one.resources) for one in needed] == [
        ("states:StartExecution", [MACHINE]),
        ("states:DescribeExecution", [executions]),
        ("states:StopExecution", [executions]),
        ("events:PutTargets", [rule]),
        ("events:PutRule", [rule]),
        ("events:DescribeRule", [rule]),
    ]
    assert [problem for one in needed for problem in problems(one)] == []


def test_an_unknown_integration_is_named() -> None:
    with pytest.raises(UnmappedOperation, match="glue:startJobRun"):
        task_authorisations("arn:aws:states:::glue:startJobRun.sync", {}, HERE)


def test_a_queue_mapping_polls_and_decrypts_as_the_function() -> None:
    needed = queue_polling(QUEUE, ENCRYPTED)
    assert [one.action for one in needed] == [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "kms:Decrypt",
    ]
    assert all(one.acting_as is None for one in needed)


def test_a_kinesis_mapping_reads_the_stream() -> None:
    actions = [one.action for one in stream_polling(STREAM, ENCRYPTED)]
    assert actions == [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
        "kms:Decrypt",
    ]


def test_a_dynamodb_stream_mapping_reads_the_table_stream() -> None:
    stream = ARN.format("dynamodb", "table/t/stream/2026-12-07T00:00:00.000")
    needed = stream_polling(stream)
    assert [(one.action, one.resources) for one in needed] == [
        ("dynamodb:DescribeStream", [stream]),
        ("dynamodb:GetShardIterator", [stream]),
        ("dynamodb:GetRecords", [stream]),
        ("dynamodb:ListStreams", ["*"]),
    ]


def test_lambda_writes_logs_and_traces_and_dead_letters_as_the_function() -> None:
    group = ARN.format("logs", "log-group:/aws/lambda/f")
    assert [(one.action, one.resources) for one in function_logging(HERE, "f", "s")] == [
        ("logs:CreateLogGroup", [group]),
        ("logs:CreateLogStream", [f"{group}:log-stream:s"]),
        ("logs:PutLogEvents", [f"{group}:log-stream:s"]),
    ]
    assert {one.resources[0] for one in tracing()} == {"*"}
    assert [one.action for one in dead_letter(QUEUE, ENCRYPTED)] == [
        "sqs:SendMessage",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ]


def test_a_service_invokes_a_function_from_its_source() -> None:
    method = "arn:aws:execute-api:us-east-1:000000000000:a1b2c3/Prod/POST/approvals"
    needed = function_invoked_by("apigateway.amazonaws.com", FUNCTION, method, "000000000000")
    assert needed == [
        Authorisation(
            "lambda:InvokeFunction",
            [FUNCTION],
            from_service("apigateway.amazonaws.com", method),
            "apigateway.amazonaws.com",
        )
    ]


def test_sns_delivers_to_an_encrypted_queue_only_with_the_key() -> None:
    needed = topic_to_queue(TOPIC, QUEUE, ENCRYPTED)
    assert [(one.action, one.resources, one.acting_as) for one in needed] == [
        ("sqs:SendMessage", [QUEUE], "sns.amazonaws.com"),
        ("kms:GenerateDataKey", [KEY], "sns.amazonaws.com"),
        ("kms:Decrypt", [KEY], "sns.amazonaws.com"),
    ]
    assert needed[0].context == from_service("sns.amazonaws.com", TOPIC)


def test_an_alarm_publishes_as_cloudwatch_and_needs_the_topics_key() -> None:
    # GIVEN a topic encrypted with a KMS key (alias/aws/sns on the AWS stages)
    needed = alarm_notification(ALARM, TOPIC, ENCRYPTED)
    # THEN CloudWatch itself must be let publish and use the key
    assert [(one.action, one.acting_as) for one in needed] == [
        ("sns:Publish", "cloudwatch.amazonaws.com"),
        ("kms:GenerateDataKey", "cloudwatch.amazonaws.com"),
        ("kms:Decrypt", "cloudwatch.amazonaws.com"),
    ]
    assert needed[1].context["aws:SourceArn"] == ALARM
    # A topic's default policy allows its account's sources: SNS names the alarm's owner.
    assert needed[0].context["aws:SourceOwner"] == "000000000000"


def test_an_event_target_without_a_role_is_delivered_by_eventbridge() -> None:
    needed = event_target(RULE, FUNCTION)
    assert needed == [
        Authorisation(
            "lambda:InvokeFunction",
            [FUNCTION],
            from_service("events.amazonaws.com", RULE),
            "events.amazonaws.com",
        )
    ]


def test_an_event_target_with_a_role_is_delivered_as_that_role() -> None:
    needed = event_target(RULE, MACHINE, role="arn:aws:iam::000000000000:role/r")
    assert needed == [Authorisation("states:StartExecution", [MACHINE], SECURE)]


def test_an_event_target_queue_encrypted_needs_the_key() -> None:
    needed = event_target(RULE, QUEUE, facts=ENCRYPTED)
    assert [(one.action, one.acting_as) for one in needed] == [
        ("sqs:SendMessage", "events.amazonaws.com"),
        ("kms:GenerateDataKey", "events.amazonaws.com"),
        ("kms:Decrypt", "events.amazonaws.com"),
    ]


@pytest.mark.parametrize(
    "needed",
    [
        *queue_polling(QUEUE, ENCRYPTED),
        *stream_polling(STREAM, ENCRYPTED),
        *function_logging(HERE, "f", "s"),
        *tracing(),
        *topic_to_queue(TOPIC, QUEUE, ENCRYPTED),
        *alarm_notification(ALARM, TOPIC, ENCRYPTED),
        *event_target(RULE, QUEUE, facts=ENCRYPTED),
        *bucket_notification("arn:aws:s3:::raw-data", HERE.account, QUEUE, ENCRYPTED),
    ],
    ids=lambda one: f"{one.action} {one.resources[0]}",
)
def test_each_is_documented_by_aws(needed: Authorisation) -> None:
    assert problems(needed) == []


def test_a_task_naming_its_function_arn_invokes_it() -> None:
    needed = task_authorisations(FUNCTION, {"any": "input"}, HERE)
    assert needed == [Authorisation("lambda:InvokeFunction", [FUNCTION], SECURE)]


def test_an_sdk_integration_is_mapped_only_if_its_call_is() -> None:
    assert is_mapped_task("arn:aws:states:::aws-sdk:s3:putObject")
    assert not is_mapped_task("arn:aws:states:::aws-sdk:ec2:runInstances")
