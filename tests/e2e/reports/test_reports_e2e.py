"""The reports workflow end to end on the local cloud: real HTTP to the REST API through the
StaffAuthorizer, real DynamoDB queries, real S3 parts and report, real SES emails."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter
from datetime import date

import pytest
import requests

from devkit import local_issuer, prospect_activity
from devkit import stack as stack_tool
from devkit.local_cloud import client, endpoint, resource, wait_for_execution, wait_until
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30
FIRST, LAST = date(2024, 1, 1), date(2024, 4, 30)


@pytest.fixture(scope="module")
def activity_table(stack_outputs):
    dynamodb = resource("dynamodb")
    return dynamodb.Table(stack_outputs["ProspectActivityTableName"])


@pytest.fixture(scope="module")
def organisations(activity_table) -> dict[str, list[dict]]:
    """Two organisations' activity over four months (fresh ids: the cloud may be reused)."""
    loaded = {}
    for name in ("acme", "globex"):
        organisation = f"{name}-{uuid.uuid4().hex[:8]}"
        items = list(prospect_activity.sample_activity(organisation, FIRST, LAST, 12))
        prospect_activity.load(activity_table, items)
        loaded[name] = items
    return loaded


def org_of(items: list[dict]) -> str:
    return items[0]["organisationId"]


ANALYST_EMAIL = "ana@acme.example"


def token_for(organisation: str, role: str = "analyst", **claims) -> dict[str, str]:
    """The analyst's token: the organisation, and her address as the issuer verified it."""
    claims = {**local_issuer.verified_email(ANALYST_EMAIL), **claims}  # None: left out
    claims = {name: value for name, value in claims.items() if value is not None}
    return bearer(reviewer_token("ana", roles=(role,), org=organisation, **claims))


def request_report(
    api: str, organisation: str, first: str, last: str, **extra
) -> requests.Response:
    body = {
        "organisationId": organisation,
        "from": first,
        "to": last,
        **extra,
    }
    return requests.post(
        f"{api}/reports", json=body, headers=token_for(organisation), timeout=HTTP_TIMEOUT
    )


def start(api: str, organisation: str, first: str, last: str, **extra) -> str:
    response = request_report(api, organisation, first, last, **extra)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def status_of(api: str, organisation: str, report_id: str) -> dict:
    response = requests.get(
        f"{api}/reports/{report_id}", headers=token_for(organisation), timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response.json()


def finished(api: str, organisation: str, report_id: str, timeout: float = 120) -> dict:
    def done():
        status = status_of(api, organisation, report_id)
        return status if status["status"] != "RUNNING" else None

    return wait_until(done, timeout, interval=0.3, what=f"report {report_id}")


def expected_rows(items: list[dict], first: str, last: str) -> list[dict]:
    """The test's own count: the loaded items whose day is in first..last."""
    return sorted(
        (i for i in items if first <= i["occurredAt"][:10] <= last),
        key=lambda i: i["occurredKey"],
    )


def download(link: str) -> list[dict]:
    response = requests.get(link, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    text = response.content.decode()
    assert text.count("occurredAt,prospectId") == 1  # one header
    return list(csv.DictReader(io.StringIO(text)))


def email_of(report_id: str, timeout: float = 30) -> str:
    def sent():
        messages = requests.get(f"{endpoint()}/_aws/ses", timeout=HTTP_TIMEOUT).json()["messages"]
        return next((m for m in messages if report_id in m["Subject"]), None)

    return wait_until(sent, timeout, interval=0.2, what=f"the email of {report_id}")


def execution_of(stack_outputs, report_id: str):
    arn = stack_outputs["ReportsStateMachineArn"].replace(":stateMachine:", ":execution:")
    return wait_for_execution(f"{arn}:{report_id}", timeout=60)


def sub_report_attempts(execution) -> Counter:
    """How many times each sub-report (by index) was scheduled."""
    attempts = Counter()
    for event in execution.events("TaskScheduled"):
        parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
        payload = parameters.get("Payload")
        if isinstance(payload, dict) and "start" in payload:
            attempts[payload["index"]] += 1
    return attempts


def test_report_holds_exactly_the_organisations_rows_and_the_email_link_downloads_it(
    api, organisations, stack_outputs
):
    # GIVEN two organisations' activity  WHEN acme asks for 2024-01-10..2024-03-05 by weeks
    acme = organisations["acme"]
    report_id = start(api, org_of(acme), "2024-01-10", "2024-03-05", subRangeDays=7)
    # THEN it finishes with exactly acme's rows in range
    status = finished(api, org_of(acme), report_id)
    assert status["status"] == "SUCCEEDED", status
    expected = expected_rows(acme, "2024-01-10", "2024-03-05")
    assert status["rowCount"] == len(expected) > 100
    assert status["subReports"] == {"done": 8, "failed": 0, "total": 8}
    rows = download(status["download"])
    keys = [(r["occurredAt"], r["prospectId"]) for r in rows]
    assert keys == [(i["occurredAt"], i["prospectId"]) for i in expected]  # sorted, no gap
    assert len({r["occurredAt"] + r["prospectEmail"] for r in rows}) == len(rows)  # no duplicate
    assert all(r["prospectId"].startswith(org_of(acme)) for r in rows)
    # AND the rows on sub-range boundaries (midnights) are there once each
    assert sum(r["occurredAt"].endswith("T00:00:00Z") for r in rows) == sum(
        i["occurredAt"].endswith("T00:00:00Z") for i in expected
    )
    # AND the email's link downloads the same report
    message = email_of(report_id)
    assert message["Destination"]["ToAddresses"] == [ANALYST_EMAIL]  # the token's, verified
    link = re.search(r"^Download: (\S+)$", message["Body"]["text_part"], re.M).group(1)
    assert int(re.search(r"X-Amz-Expires=(\d+)", link).group(1)) <= 3600
    assert download(link) == rows
    # AND the parts are removed
    s3 = client("s3")
    parts = s3.list_objects_v2(
        Bucket=stack_outputs["ReportsBucketName"], Prefix=f"parts/{report_id}/"
    )
    assert parts.get("KeyCount", 0) == 0


def test_a_sub_report_failing_once_is_retried_alone_and_progress_shows(
    api, organisations, activity_table, stack_outputs
):
    # GIVEN a record that cannot be read (no country) on a day of the third sub-report
    acme = organisations["acme"]
    organisation = org_of(acme)
    good = next(i for i in acme if i["occurredAt"].startswith("2024-02-1"))
    activity_table.put_item(Item={k: v for k, v in good.items() if k != "country"})
    # WHEN a report over it runs
    report_id = start(api, organisation, "2024-01-29", "2024-03-10", subRangeDays=7)
    # THEN its progress shows the failure while it runs
    running = wait_until(
        lambda: (s := status_of(api, organisation, report_id))["subReports"]["failed"] and s,
        60,
        interval=0.2,
        what="the failed sub-report in the progress",
    )
    assert running["status"] == "RUNNING"
    assert running["subReports"]["total"] == 6
    assert running["subReports"]["done"] < 6
    # WHEN the record is repaired before the retry
    activity_table.put_item(Item=good)
    # THEN the report completes, only that sub-report having run again
    status = finished(api, organisation, report_id)
    assert status["status"] == "SUCCEEDED", status
    assert status["subReports"] == {"done": 6, "failed": 0, "total": 6}
    assert status["rowCount"] == len(expected_rows(acme, "2024-01-29", "2024-03-10"))
    attempts = sub_report_attempts(execution_of(stack_outputs, report_id))
    retried = {index for index, count in attempts.items() if count > 1}
    assert len(attempts) == 6 and len(retried) == 1


def test_a_sub_report_that_keeps_failing_fails_the_report_with_a_reason_and_an_email(
    api, activity_table
):
    # GIVEN an organisation whose only record is unreadable
    organisation = f"initech-{uuid.uuid4().hex[:8]}"
    item = prospect_activity.busy_day(organisation, date(2024, 5, 6), 5)[0]
    activity_table.put_item(Item={k: v for k, v in item.items() if k != "channel"})
    # WHEN its report runs  THEN, the retries spent, it is FAILED with the reason
    report_id = start(api, organisation, "2024-05-01", "2024-05-31")
    status = finished(api, organisation, report_id, timeout=90)
    assert status["status"] == "FAILED"
    assert "channel" in status["reason"]
    assert "@" not in status["reason"]
    message = email_of(report_id)
    assert "failed" in message["Subject"]
    assert "channel" in message["Body"]["text_part"]


def test_an_empty_range_gives_a_header_only_report(api, organisations):
    organisation = org_of(organisations["globex"])
    report_id = start(api, organisation, "2019-01-01", "2019-01-31")
    status = finished(api, organisation, report_id)
    assert status["status"] == "SUCCEEDED"
    assert status["rowCount"] == 0
    assert download(status["download"]) == []


def test_three_years_in_one_day_sub_reports(api, organisations):
    # GIVEN the largest range the API takes, in the smallest sub-ranges (1,096 Map items)
    globex = organisations["globex"]
    report_id = start(api, org_of(globex), "2022-01-01", "2024-12-31", subRangeDays=1)
    status = finished(api, org_of(globex), report_id, timeout=600)
    assert status["status"] == "SUCCEEDED", status
    assert status["subReports"]["total"] == status["subReports"]["done"] == 1096
    assert status["rowCount"] == len(globex)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"from": "2024-03-01", "to": "2024-02-01"}, "from must not be after to"),
        ({"from": "2020-01-01", "to": "2024-01-01"}, "longer than"),
        ({"from": "2024-02-30"}, "from"),
        ({"email": "eve@elsewhere.example"}, "email: Value error, not accepted"),
        ({"to": "9999-12-31"}, "to: must be a day from 2000-01-01 to today"),
        ({"from": "1999-12-31"}, "from: must be a day from 2000-01-01 to today"),
        ({"subRangeDays": 32}, "subRangeDays"),
    ],
)
def test_bad_requests_are_refused_with_400(api, organisations, change, message):
    organisation = org_of(organisations["acme"])
    body = {"from": "2024-01-01", "to": "2024-01-31", **change}
    response = request_report(api, organisation, body.pop("from"), body.pop("to"), **body)
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize(
    "claims",
    [{"email": None, "email_verified": None}, {"email_verified": False}],
    ids=["no email", "email not verified"],
)
def test_a_caller_without_a_verified_email_is_refused_with_403(api, organisations, claims):
    organisation = org_of(organisations["acme"])
    body = {"organisationId": organisation, "from": "2024-01-01", "to": "2024-01-31"}
    response = requests.post(
        f"{api}/reports",
        json=body,
        headers=token_for(organisation, **claims),
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 403, response.text
    assert "verified email" in response.json()["message"]


def test_another_organisations_report_is_refused(api, organisations):
    acme, globex = org_of(organisations["acme"]), org_of(organisations["globex"])
    # POST for another organisation: 403
    body = {
        "organisationId": globex,
        "from": "2024-01-01",
        "to": "2024-01-31",
    }
    response = requests.post(
        f"{api}/reports", json=body, headers=token_for(acme), timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 403
    # GET of another organisation's report: unknown to the caller
    report_id = start(api, globex, "2024-01-01", "2024-01-31")
    response = requests.get(
        f"{api}/reports/{report_id}", headers=token_for(acme), timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 404
    # No token, or a role without reports: refused by the authorizer
    assert requests.post(f"{api}/reports", json=body, timeout=HTTP_TIMEOUT).status_code == 401
    response = requests.post(
        f"{api}/reports", json=body, headers=token_for(globex, "reviewer"), timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 403


def test_a_report_whose_execution_never_started_is_started_by_the_sweeper(
    api, organisations, stack_outputs
):
    # GIVEN a report recorded RUNNING long ago whose execution never started (the API's start
    # failed after the record was written)
    items = organisations["acme"]
    organisation, report_id = org_of(items), str(uuid.uuid4())
    resource("dynamodb").Table(stack_tool.physical_id("ReportsReportsTable")).put_item(
        Item={
            "reportId": report_id,
            "organisationId": organisation,
            "from": "2024-02-01",
            "to": "2024-02-10",
            "subRangeDays": 7,
            "email": "ana@example.com",
            "subReportsTotal": 2,
            "status": "RUNNING",
            "createdAt": "2026-11-29T12:00:00+00:00",
        }
    )
    # WHEN the sweeper runs
    answer = client("lambda").invoke(FunctionName=stack_tool.physical_id("ReportsSweepFunction"))
    assert "FunctionError" not in answer, answer["Payload"].read()
    # THEN the report's execution, named by the report, was started: by this run, or by a run of
    # the sweeper's schedule in between (seen once: a clock move fires it), so not `started`
    assert execution_of(stack_outputs, report_id).status == "SUCCEEDED"
    # AND the report runs to the end, with exactly its rows
    status = finished(api, organisation, report_id)
    assert status["status"] == "SUCCEEDED", status
    assert status["rowCount"] == len(expected_rows(items, "2024-02-01", "2024-02-10"))
