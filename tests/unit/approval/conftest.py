"""Approval unit tests: moto for AWS, tables built from the template's own key schemas."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from support.template import create_table
from unit.approval.approval_testkit import (
    API_URL,
    APPROVER,
    IDEMPOTENCY_TABLE,
    LINK_KEY,
    REQUESTS_TABLE,
    SECRET_NAME,
    SENDER,
)


@pytest.fixture
def approval_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "APPROVAL_REQUESTS_TABLE": REQUESTS_TABLE,
        "APPROVAL_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:approval",
        "APPROVAL_LINK_KEY_SECRET": SECRET_NAME,
        "APPROVAL_API_URL": API_URL,
        "APPROVAL_SENDER_EMAIL": SENDER,
        "APPROVAL_APPROVER_EMAIL": APPROVER,
        "APPROVAL_TIMEOUT_SECONDS": "600",
        "DOUBLE_IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
        "OWN_API_URL": API_URL,
        "DOUBLE_API_URL": "",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(approval_env):
    """moto with the workflow's tables, its link key and a verified sender."""
    from aws_lambda_powertools.utilities import parameters

    from approval import settings
    from common.aws import client

    client.cache_clear()
    settings.load.cache_clear()
    parameters.clear_caches()
    with mock_aws():
        create_table("ApprovalRequestsTable", REQUESTS_TABLE)
        create_table("ApprovalDoubleIdempotencyTable", IDEMPOTENCY_TABLE)
        boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=LINK_KEY)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield
    client.cache_clear()
    parameters.clear_caches()


@pytest.fixture
def task_answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every SendTaskSuccess/SendTaskFailure the code makes, recorded instead of sent."""
    from approval.dal import workflow

    sent: list[tuple] = []
    monkeypatch.setattr(
        workflow, "succeed", lambda token, output: sent.append(("ok", token, output))
    )
    monkeypatch.setattr(
        workflow, "fail", lambda token, error, cause: sent.append(("fail", token, error, cause))
    )
    return sent
