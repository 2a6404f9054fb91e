"""The Kinesis trigger: one execution per application; duplicates done, poison rejected with
its reason, transient errors reported for that record only."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from common import stepfunctions
from prescreening.dal import applications, executions
from prescreening.handlers import trigger
from prescreening.sandbox import sample_application

STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/applications"


def kinesis_event(*payloads: bytes) -> dict:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f"key-{number}",
                    "sequenceNumber": f"4959{number:04d}",
                    "data": base64.b64encode(payload).decode(),
                    "approximateArrivalTimestamp": 1_700_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:4959{number:04d}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/trigger",
                "awsRegion": "us-east-1",
                "eventSourceARN": STREAM_ARN,
            }
            for number, payload in enumerate(payloads)
        ]
    }


def record_of(application: dict) -> bytes:
    return json.dumps(application).encode()


def executions_started(state_machine: str) -> list[dict]:
    return boto3.client("stepfunctions").list_executions(stateMachineArn=state_machine)[
        "executions"
    ]


def rejected_messages(queue_url: str) -> list[dict]:
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_each_application_starts_an_execution_named_by_its_id(aws, lambda_context):
    # GIVEN two applications on the stream
    first, second = sample_application("approve", "app-1"), sample_application("decline", "app-2")
    # WHEN the trigger handles the batch
    response = trigger.handler(kinesis_event(record_of(first), record_of(second)), lambda_context)
    # THEN both started, named PreScreening-<applicationId>, and nothing failed
    assert response == {"batchItemFailures": []}
    names = sorted(e["name"] for e in executions_started(aws["state_machine"]))
    assert names == ["PreScreening-app-1", "PreScreening-app-2"]


def test_a_record_seen_twice_starts_one_execution_and_is_no_error(aws, lambda_context):
    # GIVEN the same application twice, in one batch and again in a later batch
    record = record_of(sample_application("approve", "app-dup"))
    # WHEN both batches are handled
    first = trigger.handler(kinesis_event(record, record), lambda_context)
    again = trigger.handler(kinesis_event(record), lambda_context)
    # THEN one execution exists and every record counts as done
    assert first == again == {"batchItemFailures": []}
    assert [e["name"] for e in executions_started(aws["state_machine"])] == ["PreScreening-app-dup"]


def test_poison_records_go_to_the_rejected_queue_with_their_reason(aws, lambda_context):
    # GIVEN a batch with a record that is not JSON, one that is not an application, and a good one
    good = record_of(sample_application("approve", "app-good"))
    incomplete = sample_application("approve", "app-bad")
    del incomplete["applicant"]["nationalId"]
    event = kinesis_event(b"{not json", record_of(incomplete), good)
    # WHEN the trigger handles it
    response = trigger.handler(event, lambda_context)
    # THEN no record is retried, the good one started, and both bad ones wait in the queue
    assert response == {"batchItemFailures": []}
    assert [e["name"] for e in executions_started(aws["state_machine"])] == [
        "PreScreening-app-good"
    ]
    rejected = {m["source"]["sequenceNumber"]: m for m in rejected_messages(aws["queue_url"])}
    assert set(rejected) == {"49590000", "49590001"}
    assert rejected["49590000"]["reason"][0].startswith("input: Invalid JSON")
    assert rejected["49590001"]["reason"] == ["applicant.nationalId: Field required"]
    # AND the queue holds a pointer, never the record (it may be personal data)
    assert "data" not in rejected["49590001"]
    assert incomplete["applicant"]["name"] not in json.dumps(rejected["49590001"])
    # AND the record is kept as it arrived, with its reason, where the pointer says
    pointer = rejected["49590000"]["record"]
    kept = json.loads(
        boto3.client("s3").get_object(Bucket=pointer["bucket"], Key=pointer["key"])["Body"].read()
    )
    assert base64.b64decode(kept["data"]) == b"{not json"
    assert kept["reason"] == rejected["49590000"]["reason"]


def test_the_execution_carries_the_id_and_the_record_is_stored_once(aws, lambda_context):
    # GIVEN an application, then a second record of the same id with other data
    first = sample_application("approve", "app-claim")
    second = sample_application("decline", "app-claim")
    # WHEN the trigger handles both
    trigger.handler(kinesis_event(record_of(first), record_of(second)), lambda_context)
    # THEN the execution's input is the id alone (the claim check)
    sfn = boto3.client("stepfunctions")
    [execution] = executions_started(aws["state_machine"])
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"applicationId": "app-claim"}
    # AND the first record is the one stored, already "received" before any step ran
    assert applications.record_of("applications", "app-claim") == first
    assert applications.get("applications", "app-claim")["status"] == "received"


def test_throttling_fails_only_that_record(aws, lambda_context, monkeypatch):
    # GIVEN Step Functions throttles the second application of three
    start = stepfunctions.start_execution

    def throttled(state_machine_arn: str, name: str, application: dict):
        if application["applicationId"] == "app-2":
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "StartExecution",
            )
        return start(state_machine_arn, name, application)

    monkeypatch.setattr(stepfunctions, "start_execution", throttled)
    event = kinesis_event(
        *(record_of(sample_application("approve", f"app-{n}")) for n in (1, 2, 3))
    )
    # WHEN the trigger handles the batch
    response = trigger.handler(event, lambda_context)
    # THEN only the throttled record is reported for retry, the others started
    assert response == {"batchItemFailures": [{"itemIdentifier": "49590001"}]}
    names = sorted(e["name"] for e in executions_started(aws["state_machine"]))
    assert names == ["PreScreening-app-1", "PreScreening-app-3"]


def test_a_record_that_cannot_be_rejected_is_retried_not_lost(aws, lambda_context, monkeypatch):
    # GIVEN the rejected queue is unreachable
    gone = trigger.settings.model_copy(
        update={"rejected_applications_queue_url": aws["queue_url"] + "-gone"}
    )
    monkeypatch.setattr(trigger, "settings", gone)
    # WHEN a poison record arrives with a good one
    good = record_of(sample_application("approve", "app-good"))
    response = trigger.handler(kinesis_event(b"junk", good), lambda_context)
    # THEN it is reported as failed (so the stream keeps it) rather than dropped
    assert response == {"batchItemFailures": [{"itemIdentifier": "49590000"}]}


@pytest.mark.parametrize("application_id", ["a" * 64, "A-b_9"])
def test_execution_names_are_valid_for_step_functions(application_id):
    name = executions.execution_name(application_id)
    assert len(name) <= 80 and name.replace("-", "").replace("_", "").isalnum()
