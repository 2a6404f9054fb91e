"""Fixtures for the pre-screening unit tests: moto resources built from template.yaml's own
definitions, a Lambda context, sample applications."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from prescreening.sandbox import sample_application
from prescreening.settings import settings

PROJECT = Path(__file__).resolve().parents[3]


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml, leaving CloudFormation's short-form tags as plain values."""


def _any_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CfnLoader.add_multi_constructor("!", _any_tag)


def template_resource(logical_id: str) -> dict:
    template = yaml.load((PROJECT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    return template["Resources"][logical_id]["Properties"]


def create_table(name: str, logical_id: str) -> None:
    """A moto table with the key schema and indexes the template declares."""
    properties = copy.deepcopy(template_resource(logical_id))
    properties.pop("PointInTimeRecoverySpecification", None)
    properties.pop("SSESpecification", None)
    boto3.client("dynamodb").create_table(TableName=name, **properties)


@dataclass
class LambdaContext:
    function_name: str = "prescreening-unit-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def application() -> dict:
    return sample_application("approve", "app-0001")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto with the workflow's tables, queue, stream and state machine; settings point at them."""
    with mock_aws():
        create_table("applications", "ApplicationsTable")
        create_table("screening-log", "ScreeningLogTable")
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
