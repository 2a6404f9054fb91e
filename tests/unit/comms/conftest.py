"""Comms unit tests: moto for AWS, the table built from the template's own key schema."""

from __future__ import annotations

import os

import boto3
import pytest
from moto import mock_aws

from support.handlers import fresh
from support.template import create_table
from unit.comms.comms_testkit import DEAD_LETTER_QUEUE, ENVIRONMENT, QUEUE, TABLE

# Before any handler module is imported (each reads its settings at import, like a cold start).
os.environ.update(ENVIRONMENT)


@pytest.fixture(autouse=True)
def comms_environment(monkeypatch: pytest.MonkeyPatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws():
    """moto with the communications table and both queues (the sender not verified yet)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    with mock_aws():
        create_table("CommsCommunicationsTable", TABLE)
        sqs = boto3.client("sqs")
        sqs.create_queue(QueueName=QUEUE)
        sqs.create_queue(QueueName=DEAD_LETTER_QUEUE)
        yield
    parameters.clear_caches()


@pytest.fixture
def worker(aws):
    return fresh("comms.handlers.worker")


@pytest.fixture
def requeue(aws):
    return fresh("comms.handlers.requeue")


@pytest.fixture
def api(aws):
    return fresh("comms.handlers.communications_api")
