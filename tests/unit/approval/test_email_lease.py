"""The approval email's claim is a lease: an invocation that died between its claim and the
send leaves a claim that lapses, and the Approval state's retry after it sends the email, once."""

import json
import time
from types import SimpleNamespace

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from devkit.local_cloud import PROJECT
from support.handlers import fresh
from support.template import read_template
from unit.approval.approval_testkit import REQUESTS_TABLE


class Killed(BaseException):
    """The process ends mid-call (a timeout, an out-of-memory kill): no handler runs after it."""


def approval_task(attempt: int = 1) -> dict:
    """The Approval state's payload; each attempt of the state has a new task token."""
    return {
        "calculationId": "calc-1",
        "executionArn": "arn:aws:states:us-east-1:1:execution:approval:calc-1",
        "x": 125,
        "y": 122,
        "sum": 247,
        "doubled": 494,
        "timeoutSeconds": 600,
        "taskToken": f"TASK-TOKEN-{attempt}",
    }


def emails_sent() -> int:
    return len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def stored() -> dict:
    return boto3.client("dynamodb").get_item(
        TableName=REQUESTS_TABLE, Key={"calculationId": {"S": "calc-1"}}
    )["Item"]


def lease() -> int:
    from approval.dal.approvals import EMAIL_LEASE_SECONDS

    return EMAIL_LEASE_SECONDS


@pytest.fixture
def request_approval(aws):
    return fresh("approval.handlers.request_approval")


def test_an_invocation_that_died_before_sending_leaves_a_claim_the_retry_takes_once_lapsed(
    request_approval, lambda_context, monkeypatch
):
    from approval.models import ApprovalEmailInFlight

    # GIVEN the first invocation claims the email and dies before SES answers
    def killed(**message):
        raise Killed

    with monkeypatch.context() as dying:
        dying.setattr(request_approval.mail, "send_email", killed)
        with pytest.raises(Killed):
            request_approval.handler(approval_task(), lambda_context)
    assert "emailClaimedUntil" in stored() and emails_sent() == 0
    # WHEN the state retries inside the lease THEN it is told to wait, and nothing is sent
    with pytest.raises(ApprovalEmailInFlight):
        request_approval.handler(approval_task(2), lambda_context)
    assert emails_sent() == 0
    # WHEN it retries after the lease THEN the email goes out, once, and is recorded sent
    later = time.time() + lease() + 1
    monkeypatch.setattr(request_approval, "time", SimpleNamespace(time=lambda: later))
    request_approval.handler(approval_task(3), lambda_context)
    request_approval.handler(approval_task(4), lambda_context)
    assert emails_sent() == 1
    assert "emailedAt" in stored() and "emailClaimedUntil" not in stored()
    assert stored()["taskToken"]["S"] == "TASK-TOKEN-4"


def test_the_approval_state_retries_an_email_in_flight_once_its_lease_lapsed():
    template = read_template(PROJECT / "functions/approval/template.yaml")
    function = template["Resources"]["ApprovalRequestApprovalFunction"]["Properties"]
    timeout = function.get("Timeout", template["Globals"]["Function"]["Timeout"])
    # A lapsed lease means its holder stopped running.
    assert lease() > timeout
    definition = json.loads((PROJECT / "statemachine/approval.asl.json").read_text())
    retries = definition["States"]["Approval"]["Retry"]
    errors = [error for retry in retries for error in retry["ErrorEquals"]]
    # Matched before States.ALL would take it (1 s later: still inside the lease).
    assert errors.index("ApprovalEmailInFlight") < errors.index("States.ALL")
    [in_flight] = [retry for retry in retries if retry["ErrorEquals"] == ["ApprovalEmailInFlight"]]
    assert in_flight["IntervalSeconds"] >= lease() and in_flight["MaxAttempts"] >= 1
    assert "JitterStrategy" not in in_flight  # jitter would retry sooner than the interval
