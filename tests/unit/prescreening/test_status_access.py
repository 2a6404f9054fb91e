"""GET /applications/{id} answers only for ids the service issued, and never names the reviewer:
a producer's own ids on the stream (app-sample-0001) could otherwise be walked."""

from __future__ import annotations

import base64
import json

import boto3

from prescreening.dal import applications
from prescreening.handlers import applications_api, trigger
from support.events import sample_event

APPLICATIONS = "applications"


def status_of(application_id: str, lambda_context) -> dict:
    event = sample_event("prescreening-applications-api-get")
    event = {
        **event,
        "path": f"/applications/{application_id}",
        "pathParameters": {"applicationId": application_id},
    }
    return applications_api.handler(event, lambda_context)


def stored_as_the_trigger_stores_it(application_id: str) -> None:
    """The POSTed record taken off the stream and stored, as the trigger does."""
    kinesis = boto3.client("kinesis")
    shard = kinesis.describe_stream(StreamName="applications")["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName="applications", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = [
        json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]
    ]
    [record] = [r for r in records if r["applicationId"] == application_id]
    applications.store_record(APPLICATIONS, record)


def test_a_posted_application_is_answered_once_it_is_stored(aws, lambda_context):
    # GIVEN an application posted over HTTP (the service issues its id)
    posted = applications_api.handler(
        sample_event("prescreening-applications-api-post"), lambda_context
    )
    application_id = json.loads(posted["body"])["applicationId"]
    # THEN its status is not there until the trigger has stored it
    assert status_of(application_id, lambda_context)["statusCode"] == 404
    # WHEN the trigger stores it
    stored_as_the_trigger_stores_it(application_id)
    # THEN its status is public
    answer = status_of(application_id, lambda_context)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["status"] == "received"


def test_a_producers_own_id_on_the_stream_is_not_answered(aws, lambda_context):
    # GIVEN a record a producer put on the stream itself, under its own id, screened and decided
    event = sample_event("prescreening-trigger")
    [record] = event["Records"]
    producer_id = json.loads(base64.b64decode(record["kinesis"]["data"]))["applicationId"]
    assert trigger.handler(event, lambda_context) == {"batchItemFailures": []}
    applications.record_decision(
        APPLICATIONS, producer_id, {"decision": "approve", "reasons": ["all checks passed"]}
    )
    # WHEN anyone asks for that id's status
    answer = status_of(producer_id, lambda_context)
    # THEN it is unknown to the public API, as an id never seen is
    assert answer["statusCode"] == 404
    assert "approve" not in answer["body"]
    assert answer["body"] == status_of("never-seen", lambda_context)["body"]


def test_the_public_status_does_not_name_the_reviewer(aws, lambda_context):
    # GIVEN a posted application a reviewer declined
    posted = applications_api.handler(
        sample_event("prescreening-applications-api-post"), lambda_context
    )
    application_id = json.loads(posted["body"])["applicationId"]
    stored_as_the_trigger_stores_it(application_id)
    decision = {"decision": "decline", "reasons": ["decline on review"], "reviewedBy": "rita"}
    applications.record_decision(APPLICATIONS, application_id, decision)
    # WHEN its status is asked for
    answer = status_of(application_id, lambda_context)
    # THEN it shows the decision, not who made it (staff keep that in the table)
    found = json.loads(answer["body"])
    assert answer["statusCode"] == 200
    assert (found["status"], found["decision"]) == ("decided", "decline")
    assert "reviewedBy" not in found and "rita" not in answer["body"]
    assert applications.get(APPLICATIONS, application_id)["reviewedBy"] == "rita"
