"""Step Functions execution status changes reach EventBridge's default bus as AWS sends them
(localcloud/sfn_events.py): every status, dates as epoch milliseconds, input as a string."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from support.localcloud import client, wait_until

ROLE = "arn:aws:iam::000000000000:role/local-cloud-tests"
DEFINITIONS = {
    "succeeds": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    "fails": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}},
    "is-aborted": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}},
    "times-out": {
        "TimeoutSeconds": 1,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
    },
}


@pytest.fixture
def status_events(local_cloud):
    """State machines of this test and a queue receiving their status-change events."""
    sfn, events, sqs = client("stepfunctions"), client("events"), client("sqs")
    run = uuid.uuid4().hex[:8]
    machines = {
        key: sfn.create_state_machine(
            name=f"status-{key}-{run}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        for key, definition in DEFINITIONS.items()
    }
    queue_url = sqs.create_queue(QueueName=f"status-events-{run}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = f"status-events-{run}"
    events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {"stateMachineArn": list(machines.values())},
            }
        ),
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    received: list[dict] = []

    def receive() -> list[dict]:
        for message in sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received

    yield machines, receive
    events.remove_targets(Rule=rule, Ids=["queue"])
    events.delete_rule(Name=rule)
    sqs.delete_queue(QueueUrl=queue_url)
    for arn in machines.values():
        sfn.delete_state_machine(stateMachineArn=arn)


def test_every_status_change_is_published_in_the_aws_shape(status_events):
    machines, receive = status_events
    sfn = client("stepfunctions")
    before_ms = int(time.time() * 1000) - 1000
    # GIVEN executions that succeed, fail, are aborted and time out
    for key, arn in machines.items():
        execution = sfn.start_execution(stateMachineArn=arn, input='{"applicationId":"a-1"}')
        if key == "is-aborted":
            sfn.stop_execution(executionArn=execution["executionArn"], error="Stopped")
    # WHEN their status changes have been published
    received = wait_until(
        lambda: found if len(found := receive()) >= 8 else None, 30, what="8 status events"
    )
    # THEN each execution reported RUNNING and its final status
    by_machine = {}
    for event in received:
        detail = event["detail"]
        by_machine.setdefault(detail["stateMachineArn"], []).append(detail)
    assert {key: sorted(d["status"] for d in by_machine[arn]) for key, arn in machines.items()} == {
        "succeeds": ["RUNNING", "SUCCEEDED"],
        "fails": ["FAILED", "RUNNING"],
        "is-aborted": ["ABORTED", "RUNNING"],
        "times-out": ["RUNNING", "TIMED_OUT"],
    }
    # AND in AWS's shape: epoch-millisecond dates, JSON strings for input and output
    for event in received:
        detail = event["detail"]
        assert event["source"] == "aws.states"
        assert event["resources"] == [detail["executionArn"]]
        assert isinstance(detail["startDate"], int) and detail["startDate"] >= before_ms
        assert detail["input"] == '{"applicationId":"a-1"}'
        if detail["status"] == "RUNNING":
            assert detail["stopDate"] is None and detail["output"] is None
        else:
            assert isinstance(detail["stopDate"], int)
            assert detail["stopDate"] >= detail["startDate"]
    details = [event["detail"] for event in received]
    [failed] = [d for d in details if d["status"] == "FAILED"]
    assert (failed["error"], failed["cause"]) == ("Boom", "why")
    [succeeded] = [d for d in details if d["status"] == "SUCCEEDED"]
    assert succeeded["output"] == '{"applicationId":"a-1"}'
    assert succeeded["outputDetails"] == {"included": True}
