"""An alarm of the stack reaches whoever subscribes to the operations topic: CloudWatch publishes
to a topic encrypted with a key whose policy lets it (an AWS-managed key would refuse it)."""

from __future__ import annotations

import json
import uuid

import pytest

from devkit.local_cloud import client, wait_until
from devkit.stack import LOCAL_STACK_NAME
from support.queues import subscribed_queue


@pytest.fixture
def on_call_queue(stack_outputs):
    """A queue subscribed to the operations topic, as the on-call address would be."""
    # SNS delivers to the queue under the queue's policy, for this topic only.
    with subscribed_queue(stack_outputs["OperationsTopicArn"], "on-call") as url:
        yield url


def the_health_functions_alarm() -> str:
    """The health function's errors alarm (no other test watches it)."""
    return client("cloudformation").describe_stack_resource(
        StackName=LOCAL_STACK_NAME, LogicalResourceId="HealthFunctionErrorsAlarm"
    )["StackResourceDetail"]["PhysicalResourceId"]


def test_an_alarm_notifies_the_operations_topics_subscribers(stack_outputs, on_call_queue):
    # GIVEN a queue subscribed to the operations topic, and one of the stack's alarms
    alarm = the_health_functions_alarm()
    [described] = client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    assert described["AlarmActions"] == [stack_outputs["OperationsTopicArn"]]
    reason = f"end-to-end check {uuid.uuid4()}"

    # WHEN the alarm goes to ALARM
    client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason=reason)

    # THEN its notification reaches the subscriber
    sqs, seen = client("sqs"), []

    def notified() -> dict | None:
        for message in sqs.receive_message(
            QueueUrl=on_call_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            seen.append(json.loads(json.loads(message["Body"])["Message"]))
        return next((n for n in seen if n.get("NewStateReason") == reason), None)

    notification = wait_until(notified, 60, what=f"the notification of {alarm}")
    assert notification["AlarmName"] == alarm
    assert notification["NewStateValue"] == "ALARM"
