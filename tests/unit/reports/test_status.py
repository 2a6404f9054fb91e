"""What GET /reports/{id} answers about a report's progress."""

from reports.logic.status import describe_report

RECORD = {
    "reportId": "7d1f4b6e-3a51-4c8e-9a7e-0f3b2c1d9e55",
    "organisationId": "acme",
    "from": "2025-01-01",
    "to": "2025-03-31",
    "subReportsTotal": 13,
}


def test_a_running_report_shows_the_sub_reports_recorded_so_far():
    # GIVEN a running report with two sub-reports done and one failed
    record = {**RECORD, "status": "RUNNING", "subReportsDone": {"0", "1"}}
    record["subReportsFailed"] = {"2"}
    # WHEN it is described  THEN the progress is what the attempts recorded
    answer = describe_report(record, None)
    assert answer["subReports"] == {"done": 2, "failed": 1, "total": 13}
    assert "download" not in answer


def test_a_succeeded_report_has_every_sub_report_done_whatever_late_attempts_wrote():
    # GIVEN a report that succeeded, whose record still lacks attempts that ended after it
    # and holds the failure of an attempt Step Functions had stopped waiting for
    record = {**RECORD, "status": "SUCCEEDED", "rowCount": 120, "objectKey": "reports/r.csv"}
    record |= {"subReportsDone": {"0", "1", "3"}, "subReportsFailed": {"2"}}
    # WHEN it is described
    answer = describe_report(record, "https://example.com/r.csv")
    # THEN every sub-report is done and none failed, with the rows and the link
    assert answer["subReports"] == {"done": 13, "failed": 0, "total": 13}
    assert (answer["rowCount"], answer["download"]) == (120, "https://example.com/r.csv")
