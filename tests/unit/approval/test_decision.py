"""The approver's side: the email, the confirmation page, and the decision sent once."""

import html
import json
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from support.handlers import fresh
from unit.approval.approval_testkit import APPROVER, REQUESTS_TABLE, SENDER

TOKEN = "TASK-TOKEN-never-in-an-email"


def approval_task(calculation_id: str = "calc-1", timeout: int = 600) -> dict:
    return {
        "calculationId": calculation_id,
        "executionArn": f"arn:aws:states:us-east-1:1:execution:approval:{calculation_id}",
        "x": 125,
        "y": 122,
        "sum": 247,
        "doubled": 494,
        "timeoutSeconds": timeout,
        "taskToken": TOKEN,
    }


def sent_emails() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def email_links(message) -> dict[str, str]:
    """The approve and reject links of an email (moto keeps the HTML part)."""
    found = re.findall(r"<a href='([^']+)'>(Approve|Reject)</a>", message.body)
    return {label.lower(): html.unescape(url) for url, label in found}


def api_event(method: str, url: str, form: dict | None = None) -> dict:
    parts = urlsplit(url)
    calculation_id = parts.path.rsplit("/", 1)[1]
    return {
        "resource": "/approvals/{id}",
        "path": f"/approvals/{calculation_id}",
        "httpMethod": method,
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "pathParameters": {"id": calculation_id},
        "queryStringParameters": dict(parse_qsl(parts.query)) or None,
        "requestContext": {"resourcePath": "/approvals/{id}", "httpMethod": method},
        "body": urlencode(form) if form else None,
        "isBase64Encoded": False,
    }


@pytest.fixture
def requested(aws, lambda_context) -> dict[str, str]:
    """An approval requested: the email sent, its two links returned."""
    fresh("approval.handlers.request_approval").handler(approval_task(), lambda_context)
    return email_links(sent_emails()[-1])


@pytest.fixture
def decision(aws):
    return fresh("approval.handlers.decision")


def stored(calculation_id: str = "calc-1") -> dict:
    return boto3.client("dynamodb").get_item(
        TableName=REQUESTS_TABLE, Key={"calculationId": {"S": calculation_id}}
    )["Item"]


def test_the_email_goes_to_the_approver_with_two_links_and_no_token(requested):
    # GIVEN an approval requested (fixture)
    message = sent_emails()[-1]
    # THEN the approver got it from the sender, with approve and reject links, no task token
    assert message.source == SENDER
    assert message.destinations["ToAddresses"] == [APPROVER]
    assert set(requested) == {"approve", "reject"}
    assert requested["approve"].startswith("https://api.example.com/dev/approvals/calc-1?")
    assert TOKEN not in message.body
    # ... while the token is kept server-side
    assert stored()["taskToken"]["S"] == TOKEN


def test_opening_a_link_shows_a_page_and_decides_nothing(
    requested, decision, task_answers, lambda_context
):
    # WHEN the approve link is opened (GET), as a link scanner would
    response = decision.handler(api_event("GET", requested["approve"]), lambda_context)
    # THEN a confirmation page with the calculation and a button comes back, nothing is sent
    assert response["statusCode"] == 200
    assert "Approve calculation?" in response["body"]
    assert "<td>494</td>" in response["body"]
    assert "<form method='post'" in response["body"]
    assert task_answers == []
    assert stored()["status"]["S"] == "PENDING"


def test_confirming_sends_the_decision_once(requested, decision, task_answers, lambda_context):
    # GIVEN the page's form fields (the link's signed parts)
    link = urlsplit(requested["approve"])
    form = dict(parse_qsl(link.query))
    post = api_event("POST", requested["approve"].split("?")[0], form)
    # WHEN the approver confirms
    response = decision.handler(post, lambda_context)
    # THEN the execution gets "approved" (not who approved: that stays in the table), and the
    # token is dropped
    assert response["statusCode"] == 200
    assert "Calculation approved" in response["body"]
    [(kind, token, output)] = task_answers
    assert (kind, token, output["decision"]) == ("ok", TOKEN, "approved")
    assert APPROVER not in json.dumps(output)
    assert stored()["status"]["S"] == "APPROVED"
    assert stored()["decidedBy"]["S"] == APPROVER
    assert "taskToken" not in stored()


def test_a_replayed_link_is_refused_as_used(requested, decision, task_answers, lambda_context):
    decision.handler(api_event("POST", requested["reject"]), lambda_context)
    # WHEN the reject link, or the approve one, is posted again
    again = decision.handler(api_event("POST", requested["reject"]), lambda_context)
    other = decision.handler(api_event("POST", requested["approve"]), lambda_context)
    page = decision.handler(api_event("GET", requested["approve"]), lambda_context)
    # THEN each is refused as already used and only the first decision was sent
    assert [again["statusCode"], other["statusCode"], page["statusCode"]] == [409, 409, 409]
    assert "already" in again["body"]
    assert [answer[2]["decision"] for answer in task_answers] == ["rejected"]


def test_a_tampered_link_is_refused_and_sends_nothing(
    requested, decision, task_answers, lambda_context
):
    tampered = requested["reject"].replace("decision=reject", "decision=approve")
    for method in ("GET", "POST"):
        response = decision.handler(api_event(method, tampered), lambda_context)
        assert response["statusCode"] == 403
        assert "Tampered link" in response["body"]
    assert task_answers == []
    assert stored()["status"]["S"] == "PENDING"


def test_a_forged_link_is_refused_and_sends_nothing(
    requested, decision, task_answers, lambda_context
):
    forged = requested["approve"].split("signature=")[0] + "signature=" + "0" * 64
    response = decision.handler(api_event("POST", forged), lambda_context)
    assert response["statusCode"] == 403
    assert "Forged link" in response["body"]
    assert task_answers == []


def test_an_expired_link_is_refused_and_sends_nothing(
    requested, decision, task_answers, monkeypatch, lambda_context
):
    # GIVEN the clock past the link's expiry
    expires = int(dict(parse_qsl(urlsplit(requested["approve"]).query))["expires"])
    monkeypatch.setattr(decision.time, "time", lambda: float(expires))
    # WHEN the link is opened and confirmed
    page = decision.handler(api_event("GET", requested["approve"]), lambda_context)
    response = decision.handler(api_event("POST", requested["approve"]), lambda_context)
    # THEN both are refused as expired and nothing is sent
    assert (page["statusCode"], response["statusCode"]) == (410, 410)
    assert "Expired link" in response["body"]
    assert task_answers == []
    assert stored()["status"]["S"] == "PENDING"


def test_a_decision_step_functions_no_longer_takes_marks_the_approval_timed_out(
    requested, decision, monkeypatch, lambda_context
):
    from common import stepfunctions

    def too_late(token, output):
        raise stepfunctions.TaskNoLongerWaiting("TaskTimedOut")

    monkeypatch.setattr(stepfunctions, "send_task_success", too_late)
    response = decision.handler(api_event("POST", requested["approve"]), lambda_context)
    assert response["statusCode"] == 410
    assert stored()["status"]["S"] == "TIMED_OUT"


def test_an_undelivered_decision_can_be_sent_again(
    requested, decision, monkeypatch, lambda_context
):
    # GIVEN Step Functions failing once
    from common import stepfunctions

    sent = []

    def flaky(token, output):
        if not sent:
            sent.append("failed")
            raise ConnectionError("boom")
        sent.append(output["decision"])

    monkeypatch.setattr(stepfunctions, "send_task_success", flaky)
    first = decision.handler(api_event("POST", requested["approve"]), lambda_context)
    # THEN the approver is told to retry, the approval is pending again, and a retry works
    assert first["statusCode"] == 503
    assert stored()["status"]["S"] == "PENDING"
    second = decision.handler(api_event("POST", requested["approve"]), lambda_context)
    assert second["statusCode"] == 200
    assert sent == ["failed", "approved"]


def test_an_incomplete_link_is_a_400(aws, decision, task_answers, lambda_context):
    event = api_event("GET", "https://x/approvals/calc-1?decision=approve")
    assert decision.handler(event, lambda_context)["statusCode"] == 400


def test_the_request_returns_when_the_links_expire(aws, lambda_context):
    before = int(time.time())
    result = fresh("approval.handlers.request_approval").handler(approval_task(), lambda_context)
    assert result["calculationId"] == "calc-1"
    assert before + 600 <= result["expires"] <= int(time.time()) + 600
    assert json.dumps(result).find(TOKEN) == -1


def test_a_retried_approval_state_sends_no_second_email_and_hands_over_its_token(
    aws, lambda_context
):
    # GIVEN an approval requested, its email sent
    handler = fresh("approval.handlers.request_approval").handler
    handler(approval_task(), lambda_context)
    before = len(sent_emails())
    first = stored()
    # WHEN the Approval state runs again in the same execution (a retry, a new task token)
    handler({**approval_task(), "taskToken": "TASK-TOKEN-retry"}, lambda_context)
    # THEN no second email is sent, the approval is not reset, and the new token is the one kept
    assert len(sent_emails()) == before
    again = stored()
    assert again["taskToken"]["S"] == "TASK-TOKEN-retry"
    assert (again["expires"], again["emailedAt"]) == (first["expires"], first["emailedAt"])


def test_an_email_that_could_not_be_sent_is_sent_by_the_retry(aws, lambda_context, monkeypatch):
    # GIVEN SES fails the first attempt
    module = fresh("approval.handlers.request_approval")
    send = module.mail.send_email
    calls = []

    def failing_once(**message):
        calls.append(message)
        if len(calls) == 1:
            raise RuntimeError("SES unavailable")
        return send(**message)

    monkeypatch.setattr(module.mail, "send_email", failing_once)
    with pytest.raises(RuntimeError):
        module.handler(approval_task(), lambda_context)
    assert "emailedAt" not in stored()
    # WHEN the state retries THEN the email goes out, once
    module.handler({**approval_task(), "taskToken": "TASK-TOKEN-retry"}, lambda_context)
    assert len(calls) == 2 and len(sent_emails()) == 1
