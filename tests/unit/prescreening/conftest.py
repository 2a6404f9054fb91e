"""Fixtures for the pre-screening unit tests: moto resources built from template.yaml's own
definitions and named as the unit environment names them, sample applications."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from moto import mock_aws

from prescreening.sandbox import sample_application
from support.template import create_table


@pytest.fixture
def application() -> dict:
    return sample_application("approve", "app-0001")


@pytest.fixture
def aws():
    """moto with the workflow's tables, queue, stream and state machine."""
    with mock_aws():
        create_table("PreScreeningApplicationsTable", os.environ["PRESCREENING_APPLICATIONS_TABLE"])
        create_table("PreScreeningLogTable", os.environ["PRESCREENING_SCREENING_LOG_TABLE"])
        create_table("PreScreeningIdempotencyTable", os.environ["PRESCREENING_IDEMPOTENCY_TABLE"])

        boto3.client("s3").create_bucket(
            Bucket=os.environ["PRESCREENING_REJECTED_APPLICATIONS_BUCKET"]
        )
        queue_url = boto3.client("sqs").create_queue(QueueName="rejected")["QueueUrl"]
        assert queue_url == os.environ["PRESCREENING_REJECTED_APPLICATIONS_QUEUE_URL"]
        boto3.client("kinesis").create_stream(
            StreamName=os.environ["PRESCREENING_APPLICATION_STREAM_NAME"], ShardCount=1
        )
        state_machine = boto3.client("stepfunctions").create_state_machine(
            name="prescreening",
            definition=json.dumps(
                {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
            ),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        assert state_machine == os.environ["PRESCREENING_STATE_MACHINE_ARN"]
        yield {"queue_url": queue_url, "state_machine": state_machine}
