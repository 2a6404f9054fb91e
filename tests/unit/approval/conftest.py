"""Approval unit tests: moto for AWS, tables built from the template's own key schemas."""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler

import boto3
import pytest
from moto import mock_aws

from support.http_server import serving
from support.template import create_table
from unit.approval.approval_testkit import (
    IDEMPOTENCY_TABLE,
    LINK_KEY,
    REQUESTS_TABLE,
    SECRET_NAME,
    SENDER,
)


@pytest.fixture
def aws():
    """moto with the workflow's tables, its link key and a verified sender."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    with mock_aws():
        create_table("ApprovalRequestsTable", REQUESTS_TABLE)
        create_table("ApprovalDoubleIdempotencyTable", IDEMPOTENCY_TABLE)
        create_table("ApprovalIdempotencyTable", os.environ["APPROVAL_IDEMPOTENCY_TABLE"])
        boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=LINK_KEY)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield
    parameters.clear_caches()


@pytest.fixture
def task_answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every SendTaskSuccess/SendTaskFailure the code makes, recorded instead of sent."""
    from common import stepfunctions

    sent: list[tuple] = []
    monkeypatch.setattr(
        stepfunctions, "send_task_success", lambda token, output: sent.append(("ok", token, output))
    )
    monkeypatch.setattr(
        stepfunctions,
        "send_task_failure",
        lambda token, error, cause: sent.append(("fail", token, error, cause)),
    )
    return sent


class _ThirdParty(BaseHTTPRequestHandler):
    received: list
    status: int

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def third_party(monkeypatch):
    """A real HTTP server on localhost standing in for /double."""
    _ThirdParty.received, _ThirdParty.status = [], 200
    with serving(_ThirdParty) as url:
        monkeypatch.setenv("APPROVAL_API_URL", f"{url}/dev")
        yield _ThirdParty
