"""The requester hears once how a report ended: "ready" after the record says SUCCEEDED, or
"failed"; never both, never twice, however often Step Functions runs the step."""

from __future__ import annotations

import boto3
import pytest

from support.events import sample_event
from unit.reports.conftest import REPORTS_TABLE

REPORT = sample_event("reports-notify")
FAILURE = sample_event("reports-report-failed")


def emails_sent() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


@pytest.fixture
def running_report(aws):
    from reports.dal import reports

    job = sample_event("reports-split-date-range")
    reports.create(REPORTS_TABLE, {**job, "reportId": REPORT["reportId"], "email": "ana@acme.test"})
    return reports


def test_a_retried_notify_sends_the_ready_email_once(running_report, lambda_context):
    from reports.handlers import notify

    for _ in range(2):
        assert notify.handler(REPORT, lambda_context)["status"] == "SUCCEEDED"

    assert emails_sent() == 1
    assert running_report.get(REPORTS_TABLE, REPORT["reportId"])["status"] == "SUCCEEDED"


def test_the_record_says_succeeded_before_the_email_is_tried(
    running_report, lambda_context, monkeypatch
):
    # GIVEN SES refuses the ready email
    from common import mail
    from reports.handlers import notify, report_failed

    def refused(*args, **kwargs):
        raise RuntimeError("MessageRejected")

    # WHEN Notify fails on it and the state machine's Catch runs ReportFailed
    with monkeypatch.context() as ses_refuses, pytest.raises(RuntimeError):
        ses_refuses.setattr(mail, "send_email", refused)
        notify.handler(REPORT, lambda_context)
    answer = report_failed.handler({**FAILURE, "reportId": REPORT["reportId"]}, lambda_context)

    # THEN the report made stays SUCCEEDED, and no "failed" email follows
    assert answer["status"] == "SUCCEEDED"
    record = running_report.get(REPORTS_TABLE, REPORT["reportId"])
    assert record["status"] == "SUCCEEDED" and "reason" not in record
    assert emails_sent() == 0


def test_a_retried_report_failed_sends_the_failure_email_once(running_report, lambda_context):
    from reports.handlers import report_failed

    event = {**FAILURE, "reportId": REPORT["reportId"]}
    answers = [report_failed.handler(event, lambda_context) for _ in range(2)]

    assert [answer["status"] for answer in answers] == ["FAILED", "FAILED"]
    assert emails_sent() == 1
    assert running_report.get(REPORTS_TABLE, REPORT["reportId"])["status"] == "FAILED"


def test_a_report_whose_file_the_lifecycle_removed_is_expired_without_a_link(
    running_report, lambda_context
):
    import json

    from reports.handlers import notify, reports_api
    from unit.reports.conftest import BUCKET

    # GIVEN a report made, then its file removed by the bucket's lifecycle
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKET, Key=REPORT["key"], Body=b"occurredAt\n")
    notify.handler(REPORT, lambda_context)
    get = sample_event("reports-reports-api-get")
    assert "download" in json.loads(reports_api.handler(get, lambda_context)["body"])
    s3.delete_object(Bucket=BUCKET, Key=REPORT["key"])

    # WHEN its requester asks for it
    answer = reports_api.handler(get, lambda_context)

    # THEN it is EXPIRED, with its row count and no link to nothing
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200
    assert body["status"] == "EXPIRED" and "download" not in body
    assert body["rowCount"] == REPORT["rowCount"]


def test_the_ready_email_says_how_long_its_link_lasts_in_words(
    running_report, lambda_context, monkeypatch
):
    # GIVEN the default link lifetime, 3600 s (tests/unit/conftest.py)
    from common import mail
    from reports.handlers import notify

    sent = []
    monkeypatch.setattr(mail, "send_email", lambda *email: sent.append(email) or "id")
    # WHEN the ready email goes out THEN it says "1 hour", not "1 hours"
    notify.handler(REPORT, lambda_context)
    assert "The link expires in 1 hour;" in sent[0][3]


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (3600, "1 hour"),
        (7200, "2 hours"),
        (900, "15 minutes"),
        (60, "1 minute"),
        (90, "90 seconds"),
    ],
)
def test_a_duration_in_words(seconds, said):
    from reports.logic.wording import duration

    assert duration(seconds) == said
