"""The workflow's handlers on moto: the API's answers, and split -> generate -> merge -> notify
run in-process on the sample events and on a real range."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from common.dynamodb import write_all
from reports.logic.rows import HEADER
from support.events import sample_event
from unit.reports.conftest import ACTIVITY_TABLE, BUCKET, REPORTS_TABLE, activity

REPORT_ID = "6f1c2d7e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"


@pytest.fixture
def started(monkeypatch):
    """StartExecution calls, recorded (the state machine is tested on the local cloud)."""
    from common import stepfunctions

    calls = []

    def start(arn, name, payload):
        calls.append((arn, name, payload))
        return stepfunctions.Execution(arn=f"{arn}:{name}", started=True)

    monkeypatch.setattr(stepfunctions, "start_execution", start)
    return calls


def _post(body: dict, org: str = "acme", **claims) -> dict:
    """The sample POST with this body, from a caller of `org` whose token also has `claims`
    (None: the claim left out), as the StaffAuthorizer passes them on."""
    event = sample_event("reports-reports-api-post")
    event["body"] = json.dumps(body)
    authorizer = event["requestContext"]["authorizer"]
    authorizer.update(org=org, **claims)
    event["requestContext"]["authorizer"] = {k: v for k, v in authorizer.items() if v is not None}
    return event


def _request(**changes) -> dict:
    body = {"organisationId": "acme", "from": "2025-01-01", "to": "2025-03-31"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_post_sample_starts_a_report_without_personal_data_in_its_input(
    aws, started, lambda_context
):
    from reports.handlers import reports_api

    answer = reports_api.handler(sample_event("reports-reports-api-post"), lambda_context)
    assert answer["statusCode"] == 202
    report_id = json.loads(answer["body"])["id"]
    ((_, name, payload),) = started
    assert name == report_id
    assert "email" not in json.dumps(payload)
    record = boto3.resource("dynamodb").Table(REPORTS_TABLE).get_item(Key={"reportId": report_id})
    assert record["Item"]["email"] == "ana@acme.example"
    assert record["Item"]["subReportsTotal"] == 13


def test_the_report_goes_to_the_callers_verified_address_from_the_token(
    aws, started, lambda_context
):
    from reports.handlers import reports_api

    # GIVEN a caller whose token carries her verified address
    event = _post(_request(), email="bea@acme.example", email_verified="true")
    # WHEN she asks for a report  THEN it is recorded for her address, the token's
    answer = reports_api.handler(event, lambda_context)
    assert answer["statusCode"] == 202, answer["body"]
    report_id = json.loads(answer["body"])["id"]
    record = boto3.resource("dynamodb").Table(REPORTS_TABLE).get_item(Key={"reportId": report_id})
    assert record["Item"]["email"] == "bea@acme.example"


def test_a_body_naming_an_email_is_400_and_starts_nothing(aws, started, lambda_context):
    from reports.handlers import reports_api

    answer = reports_api.handler(_post(_request(email="eve@evil.example")), lambda_context)
    assert answer["statusCode"] == 400, answer["body"]
    (error,) = json.loads(answer["body"])["errors"]
    assert error.startswith("email:")
    assert "taken from your sign-in" in error
    assert "eve@evil.example" not in answer["body"]
    assert started == []


@pytest.mark.parametrize(
    "claims",
    [
        {"email": None, "email_verified": None},
        {"email_verified": "false"},
        {"email_verified": None},
        {"email": None},
    ],
    ids=["no email", "not verified", "verification unknown", "verified, no email"],
)
def test_a_caller_without_a_verified_email_is_403_and_starts_nothing(
    aws, started, lambda_context, claims
):
    from reports.handlers import reports_api

    answer = reports_api.handler(_post(_request(), **claims), lambda_context)
    assert answer["statusCode"] == 403, answer["body"]
    assert "verified email" in json.loads(answer["body"])["message"]
    assert started == []


def _tomorrow() -> str:
    return (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_request(**{"from": "2025-04-01"}), "from must not be after to"),
        (_request(**{"from": "2021-01-01"}), "longer than 1096 days"),
        (_request(**{"from": "2025-02-30"}), "from"),
        (_request(**{"to": "31/03/2025"}), "to"),
        (_request(subRangeDays=0), "subRangeDays"),
        (_request(subRangeDays=32), "subRangeDays"),
        (_request(**{"to": "9999-12-31"}), "to: must be a day from 2000-01-01 to today"),
        # Made when the test runs: a day reckoned at collection is today after midnight.
        (lambda: _request(**{"to": _tomorrow()}), "to: must be a day from 2000-01-01 to today"),
        (_request(**{"from": "1999-12-31"}), "from: must be a day from 2000-01-01 to today"),
        (_request(organisationId=None), "organisationId"),
    ],
)
def test_bad_requests_are_400_and_start_nothing(aws, started, lambda_context, body, field):
    from reports.handlers import reports_api

    answer = reports_api.handler(_post(body() if callable(body) else body), lambda_context)
    assert answer["statusCode"] == 400, answer["body"]
    assert field in answer["body"]
    assert started == []


def test_another_organisation_is_403_and_starts_nothing(aws, started, lambda_context):
    from reports.handlers import reports_api

    answer = reports_api.handler(_post(_request(), org="globex"), lambda_context)
    assert answer["statusCode"] == 403
    assert started == []


def test_get_sample_and_another_organisations_report(aws, lambda_context):
    from reports.dal import reports
    from reports.handlers import reports_api

    # GIVEN a running report of acme with one sub-report done
    reports.create(
        REPORTS_TABLE,
        {
            "reportId": REPORT_ID,
            "organisationId": "acme",
            "from": "2025-01-01",
            "to": "2025-03-31",
            "email": "ana@acme.example",
            "subReportsTotal": 13,
        },
    )
    reports.sub_report_done(REPORTS_TABLE, REPORT_ID, 0)
    reports.sub_report_failed(REPORTS_TABLE, REPORT_ID, 1)
    # WHEN acme asks  THEN it sees the progress, never the email
    answer = reports_api.handler(sample_event("reports-reports-api-get"), lambda_context)
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200
    assert body["status"] == "RUNNING"
    assert body["subReports"] == {"done": 1, "failed": 1, "total": 13}
    assert "ana@acme.example" not in answer["body"]
    # WHEN another organisation asks  THEN the report is unknown to it
    event = sample_event("reports-reports-api-get")
    event["requestContext"]["authorizer"]["org"] = "globex"
    assert reports_api.handler(event, lambda_context)["statusCode"] == 404


def test_a_malformed_report_id_is_an_unknown_report(lambda_context):
    from reports.handlers import reports_api

    # GIVEN an id that is not a UUID (the API hands out only UUIDs)
    event = sample_event("reports-reports-api-get")
    event["path"] = "/reports/not-a-uuid"
    event["pathParameters"] = {"id": "not-a-uuid"}
    # WHEN it is asked for  THEN the report is unknown, in the one error shape
    answer = reports_api.handler(event, lambda_context)
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        404,
        {"message": "no such report"},
    )


def _seed(rows_per_day: dict[date, int], organisation: str = "acme") -> list[dict]:
    items, number = [], 0
    for day, count in rows_per_day.items():
        for n in range(count):
            number += 1
            at = f"{day.isoformat()}T{n % 24:02d}:{n % 60:02d}:00Z"
            items.append(activity(organisation, at, number))
    write_all(ACTIVITY_TABLE, items, ["organisationId", "occurredKey"])
    return items


def test_the_whole_report_in_process(aws, lambda_context):
    from reports.dal import reports
    from reports.handlers import generate_sub_report, merge_sub_reports, notify, split_date_range

    # GIVEN uneven days of two organisations, including the range's edges and the day after
    first, last = date(2024, 2, 26), date(2024, 3, 4)
    days = {
        first - timedelta(days=1): 3,
        first: 2,
        date(2024, 2, 29): 5,
        last: 4,
        last + timedelta(days=1): 6,
    }
    mine = [i for i in _seed(days) if first.isoformat() <= i["occurredAt"][:10] <= last.isoformat()]
    _seed({first: 9}, organisation="globex")
    job = {
        "reportId": REPORT_ID,
        "organisationId": "acme",
        "from": first.isoformat(),
        "to": last.isoformat(),
        "subRangeDays": 3,
    }
    reports.create(REPORTS_TABLE, {**job, "email": "ana@acme.example"})

    # WHEN each step runs as the state machine runs it
    split = split_date_range.handler(job, lambda_context)
    for sub_range in split["subRanges"]:
        generate_sub_report.handler(
            {"reportId": REPORT_ID, "organisationId": "acme", **sub_range}, lambda_context
        )
    merged = merge_sub_reports.handler(
        {"reportId": REPORT_ID, "organisationId": "acme", "total": split["total"]}, lambda_context
    )
    notify.handler({"reportId": REPORT_ID, **merged}, lambda_context)

    # THEN the report holds exactly acme's rows in range, in order, under one header
    s3 = boto3.client("s3")
    text = s3.get_object(Bucket=BUCKET, Key=merged["key"])["Body"].read().decode()
    assert text.startswith(HEADER) and text.count("occurredAt") == 1
    rows = list(csv.DictReader(io.StringIO(text)))
    assert merged["rowCount"] == len(rows) == len(mine) == 11
    assert [r["occurredAt"] for r in rows] == sorted(i["occurredAt"] for i in mine)
    # AND the parts are gone, the record done, the requester emailed
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="parts/")
    record = reports.get(REPORTS_TABLE, REPORT_ID)
    assert record["status"] == "SUCCEEDED" and record["rowCount"] == 11
    assert len(record["subReportsDone"]) == split["total"] == 3


def test_sample_events_of_the_steps_run(aws, lambda_context):
    from reports.dal import reports
    from reports.handlers import (
        generate_sub_report,
        merge_sub_reports,
        notify,
        report_failed,
        split_date_range,
    )

    _seed({date(2025, 1, 2): 3})
    reports.create(
        REPORTS_TABLE, {**sample_event("reports-split-date-range"), "email": "ana@acme.example"}
    )
    assert (
        split_date_range.handler(sample_event("reports-split-date-range"), lambda_context)["total"]
        == 13
    )
    assert (
        generate_sub_report.handler(sample_event("reports-generate-sub-report"), lambda_context)[
            "rows"
        ]
        == 3
    )
    generate_sub_report.handler(
        {
            **sample_event("reports-generate-sub-report"),
            "index": 1,
            "start": "2025-01-08",
            "end": "2025-01-15",
        },
        lambda_context,
    )
    merged = merge_sub_reports.handler(sample_event("reports-merge-sub-reports"), lambda_context)
    assert merged["rowCount"] == 3
    assert notify.handler(sample_event("reports-notify"), lambda_context)["status"] == "SUCCEEDED"
    other = {**sample_event("reports-split-date-range"), "reportId": "another-report"}
    reports.create(REPORTS_TABLE, {**other, "email": "ana@acme.example"})
    failure = {**sample_event("reports-report-failed"), "reportId": "another-report"}
    failed = report_failed.handler(failure, lambda_context)
    assert failed["reason"] == "ActivityUnreadable: an activity record lacks country"
    assert reports.get(REPORTS_TABLE, "another-report")["status"] == "FAILED"


def test_a_failing_sub_report_is_counted_and_raises(aws, lambda_context):
    from reports.dal import reports
    from reports.handlers import generate_sub_report
    from reports.logic.rows import ActivityUnreadable

    broken = activity("acme", "2025-01-02T10:00:00Z", 1)
    del broken["channel"]
    write_all(ACTIVITY_TABLE, [broken], ["organisationId", "occurredKey"])
    reports.create(
        REPORTS_TABLE, {**sample_event("reports-split-date-range"), "email": "ana@acme.example"}
    )
    with pytest.raises(ActivityUnreadable):
        generate_sub_report.handler(sample_event("reports-generate-sub-report"), lambda_context)
    record = reports.get(REPORTS_TABLE, sample_event("reports-generate-sub-report")["reportId"])
    assert record["subReportsFailed"] == ["0"]
