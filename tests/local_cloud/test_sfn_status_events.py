"""Step Functions execution status changes reach EventBridge's default bus as AWS sends them
(localcloud/aws_behaviours/sfn_events.py): every status, every field (version and alias ARNs null
unless used), dates as epoch milliseconds, input and output as DescribeExecution's strings."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from devkit.local_cloud import client, service_role, wait_until
from support.queues import EVENTBRIDGE, queue_for

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
def status_queue(local_cloud):
    """subscribe(state machine ARNs) -> receive(): their status-change events, via a queue."""
    events, sqs = client("events"), client("sqs")
    cleanups = []

    def subscribe(machine_arns: list[str]):
        run = uuid.uuid4().hex[:8]
        rule = f"status-events-{run}"
        rule_arn = events.put_rule(
            Name=rule,
            EventPattern=json.dumps(
                {
                    "source": ["aws.states"],
                    "detail-type": ["Step Functions Execution Status Change"],
                    "detail": {"stateMachineArn": machine_arns},
                }
            ),
        )["RuleArn"]
        queue_url, queue_arn = queue_for(sqs, f"status-events-{run}", [rule_arn], EVENTBRIDGE)
        events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
        cleanups.append((rule, queue_url))
        received: list[dict] = []

        def receive() -> list[dict]:
            for message in sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", []):
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            return received

        return receive

    yield subscribe
    for rule, queue_url in cleanups:
        events.remove_targets(Rule=rule, Ids=["queue"])
        events.delete_rule(Name=rule)
        sqs.delete_queue(QueueUrl=queue_url)


@pytest.fixture
def status_events(status_queue, machine_role):
    """State machines of this test and a queue receiving their status-change events."""
    sfn = client("stepfunctions")
    run = uuid.uuid4().hex[:8]
    machines = {
        key: sfn.create_state_machine(
            name=f"status-{key}-{run}", definition=json.dumps(definition), roleArn=machine_role
        )["stateMachineArn"]
        for key, definition in DEFINITIONS.items()
    }
    yield machines, status_queue(list(machines.values()))
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
        # not started through a version or an alias: AWS sends both, as null
        assert detail["stateMachineVersionArn"] is None
        assert detail["stateMachineAliasArn"] is None
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


def test_an_output_holding_a_timestamp_is_published_as_describe_execution_renders_it(
    status_queue,
):
    # GIVEN a state machine whose output holds timestamps (S3's LastModified, from an AWS SDK
    # integration)
    sfn, s3 = client("stepfunctions"), client("s3")
    run = uuid.uuid4().hex[:8]
    bucket = f"status-timestamps-{run}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="timesheet.csv", Body=b"employee_id\n")
    lists_the_bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
        ],
    }
    role = service_role(client("iam"), bucket, "states.amazonaws.com", lists_the_bucket)
    definition = {
        "StartAt": "List",
        "States": {
            "List": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                "Parameters": {"Bucket": bucket},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name=f"status-timestamps-{run}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    receive = status_queue([machine])

    # WHEN it runs to its end
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    received = wait_until(
        lambda: [e for e in receive() if e["detail"]["status"] != "RUNNING"],
        30,
        what="the terminal status event",
    )

    # THEN the SUCCEEDED event was published, its output the string DescribeExecution returns
    [event] = received
    described = sfn.describe_execution(executionArn=execution)
    assert event["detail"]["status"] == "SUCCEEDED"
    assert event["detail"]["output"] == described["output"]
    listed = json.loads(event["detail"]["output"])
    assert listed["Contents"][0]["Key"] == "timesheet.csv"
    assert listed["Contents"][0]["LastModified"]
    sfn.delete_state_machine(stateMachineArn=machine)


def test_executions_of_a_version_and_an_alias_name_them(status_queue, machine_role):
    # GIVEN a state machine with a published version and an alias pointing at it
    sfn = client("stepfunctions")
    run = uuid.uuid4().hex[:8]
    created = sfn.create_state_machine(
        name=f"status-versioned-{run}",
        definition=json.dumps(DEFINITIONS["succeeds"]),
        roleArn=machine_role,
        publish=True,
    )
    machine, version = created["stateMachineArn"], created["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": version, "weight": 100}]
    )["stateMachineAliasArn"]
    receive = status_queue([machine])

    # WHEN one execution starts through the version and one through the alias
    by_version = sfn.start_execution(stateMachineArn=version)["executionArn"]
    by_alias = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    received = wait_until(
        lambda: found if len(found := receive()) >= 4 else None, 30, what="4 status events"
    )

    # THEN every event names the state machine, and the version (and alias) it ran through
    details = {(e["detail"]["executionArn"], e["detail"]["status"]): e["detail"] for e in received}
    for status in ("RUNNING", "SUCCEEDED"):
        through_version = details[(by_version, status)]
        assert through_version["stateMachineArn"] == machine
        assert through_version["stateMachineVersionArn"] == version
        assert through_version["stateMachineAliasArn"] is None
        through_alias = details[(by_alias, status)]
        assert through_alias["stateMachineArn"] == machine
        assert through_alias["stateMachineVersionArn"] == version
        assert through_alias["stateMachineAliasArn"] == alias
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine(stateMachineArn=machine)


def test_inputs_and_outputs_too_large_for_an_event_are_left_out_as_aws_does(
    status_queue, machine_role
):
    # GIVEN a state machine passing its input on as its output (AWS: input and output escaped
    # together over 248 KB leave the input out; an output over 248 KB leaves the output out)
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"status-large-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(DEFINITIONS["succeeds"]),
        roleArn=machine_role,
    )["stateMachineArn"]
    receive = status_queue([machine])

    # WHEN one execution gets 150 KB of input (300 KB with its output) and one 255 KB
    medium = sfn.start_execution(
        stateMachineArn=machine, input=json.dumps({"notes": "m" * 150_000})
    )["executionArn"]
    large = sfn.start_execution(
        stateMachineArn=machine, input=json.dumps({"notes": "l" * 255_000})
    )["executionArn"]
    received = wait_until(
        lambda: found if len(found := receive()) >= 4 else None, 30, what="4 status events"
    )

    # THEN each event still arrives, with what did not fit left out and marked so
    details = {(e["detail"]["executionArn"], e["detail"]["status"]): e["detail"] for e in received}
    started, ended = details[(medium, "RUNNING")], details[(medium, "SUCCEEDED")]
    assert started["inputDetails"] == {"included": True} and len(started["input"]) > 150_000
    assert (ended["input"], ended["inputDetails"]) == (None, {"included": False})
    assert ended["outputDetails"] == {"included": True} and len(ended["output"]) > 150_000
    for status in ("RUNNING", "SUCCEEDED"):
        assert details[(large, status)]["input"] is None
        assert details[(large, status)]["inputDetails"] == {"included": False}
    ended = details[(large, "SUCCEEDED")]
    assert (ended["output"], ended["outputDetails"]) == (None, {"included": False})
    sfn.delete_state_machine(stateMachineArn=machine)
