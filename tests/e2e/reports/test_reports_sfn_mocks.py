"""The reports state machine's paths, with its tasks mocked (statemachine/test/
reports.mock.json) and run by the local cloud's Step Functions."""

from __future__ import annotations

import json

import pytest

from support.sfn_mocks import StartedTogether, create_mocked_state_machine

pytestmark = pytest.mark.localcloud
INPUT = {
    "reportId": "6f1c2d7e-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
    "organisationId": "acme",
    "from": "2025-01-01",
    "to": "2025-01-15",
    "subRangeDays": 7,
}
# (case, the error the failing step answers)
FAILURES = [
    ("reportsSubReportKeepsFailing", "ActivityUnreadable"),
    ("reportsMergeFails", "Lambda.ServiceException"),
    ("reportsNotifyFails", "MessageRejected"),
]


@pytest.fixture(scope="module")
def state_machine(local_cloud) -> str:
    # One sub-report at a time, so the mocked answers are consumed in a known order.
    return create_mocked_state_machine(
        "reportsMockTests", "reports.asl.json", {"SubReportConcurrency": "1"}
    )


@pytest.fixture(scope="module")
def runs(state_machine) -> StartedTogether:
    cases = ["reportsCompleted", "reportsSubReportRetriedOnce", *(case for case, _ in FAILURES)]
    return StartedTogether(state_machine, [(case, INPUT) for case in cases])


def sub_report_attempts(execution) -> int:
    return sum(
        "start" in json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"]
        for e in execution.events("TaskScheduled")
    )


def test_a_report_runs_split_map_merge_notify(runs):
    execution = runs.succeeded("reportsCompleted", INPUT)
    entered = execution.states_entered()
    assert entered[0] == "SplitDateRange"
    assert entered.count("GenerateSubReport") == 3
    assert entered[-2:] == ["MergeSubReports", "Notify"]
    assert execution.output == {"reportId": INPUT["reportId"], "status": "SUCCEEDED"}


def test_a_sub_report_failing_once_is_retried_alone(runs):
    execution = runs.succeeded("reportsSubReportRetriedOnce", INPUT)
    assert execution.states_entered().count("GenerateSubReport") == 3
    assert sub_report_attempts(execution) == 4  # three sub-reports, one of them twice
    assert "ReportFailed" not in execution.states_entered()


@pytest.mark.parametrize(("case", "error"), FAILURES)
def test_a_failure_anywhere_ends_in_report_failed(runs, case, error):
    execution = runs.finished(case, INPUT)
    assert execution.status == "FAILED"
    assert execution.error == "ReportFailed"
    assert execution.states_entered()[-2:] == ["ReportFailed", "Failed"]
    scheduled = execution.events("TaskScheduled")[-1]["taskScheduledEventDetails"]
    assert json.loads(scheduled["parameters"])["Payload"]["error"]["Error"] == error
    assert "MergeSubReports" not in execution.states_entered() or case != (
        "reportsSubReportKeepsFailing"
    )
