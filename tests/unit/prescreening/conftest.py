"""Fixtures for the pre-screening unit tests: moto resources built from template.yaml's own
definitions, sample applications."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from prescreening.sandbox import sample_application
from prescreening.settings import settings
from support.template import create_table

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def application() -> dict:
    return sample_application("approve", "app-0001")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto with the workflow's tables, queue, stream and state machine; settings point at them."""
    with mock_aws():
        create_table("ApplicationsTable", "applications")
        create_table("ScreeningLogTable", "screening-log")
        queue_url = boto3.client("sqs").create_queue(QueueName="rejected")["QueueUrl"]
        boto3.client("kinesis").create_stream(StreamName="applications", ShardCount=1)
        state_machine = boto3.client("stepfunctions").create_state_machine(
            name="prescreening",
            definition=json.dumps(
                {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
            ),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        monkeypatch.setenv("APPLICATIONS_TABLE", "applications")
        monkeypatch.setenv("SCREENING_LOG_TABLE", "screening-log")
        monkeypatch.setenv("REJECTED_APPLICATIONS_QUEUE_URL", queue_url)
        monkeypatch.setenv("APPLICATION_STREAM_NAME", "applications")
        monkeypatch.setenv("STATE_MACHINE_ARN", state_machine)
        settings.cache_clear()
        from common.aws import client

        client.cache_clear()
        yield {"queue_url": queue_url, "state_machine": state_machine}
        settings.cache_clear()
        client.cache_clear()
