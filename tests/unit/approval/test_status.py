"""What GET /calculations/{id} reports for each stage of an execution."""

import json

from approval.logic.status import describe_calculation


def execution(status: str, output: dict | None = None) -> dict:
    described = {"status": status, "executionArn": "arn:exec"}
    if output is not None:
        described["output"] = json.dumps(output)
    return described


def test_a_running_calculation_is_calculating_until_an_approval_is_pending():
    assert describe_calculation("c", execution("RUNNING"), False)["status"] == "CALCULATING"
    assert describe_calculation("c", execution("RUNNING"), True)["status"] == "AWAITING_APPROVAL"


def test_a_finished_calculation_reports_its_end_state_and_result():
    output = {"status": "REJECTED", "sum": 247}
    described = describe_calculation("c", execution("SUCCEEDED", output), False)
    assert (described["status"], described["result"]) == ("REJECTED", output)


def test_an_execution_that_ended_otherwise_reports_the_execution_status():
    assert describe_calculation("c", execution("ABORTED"), False)["status"] == "ABORTED"


def test_a_status_never_shows_the_approver_the_input_or_a_failure_s_cause():
    # GIVEN an approved calculation and a failed one whose details hold a stack trace
    approved = {
        "status": "APPROVED",
        "sum": 5,
        "approvedBy": "approver@example.com",
        "approvedAt": "2026-11-29T10:00:00Z",
    }
    failed = {
        "status": "FAILED",
        "reason": "CALCULATION_FAILED",
        "message": "The calculation failed after its retries.",
        "input": {"x": 2, "y": 3, "note": "MARKER"},
        "details": {"Error": "KeyError", "Cause": "Traceback (most recent call last): MARKER"},
    }
    # WHEN their status is described
    shown = [
        describe_calculation("c", execution("SUCCEEDED", o), False) for o in (approved, failed)
    ]
    # THEN the outcome is there, the approver's email, the input and the cause are not
    assert shown[0]["result"] == {
        "status": "APPROVED",
        "sum": 5,
        "approvedAt": "2026-11-29T10:00:00Z",
    }
    assert shown[1]["result"]["reason"] == "CALCULATION_FAILED"
    text = json.dumps(shown)
    for secret in ("approver@example.com", "MARKER", "Traceback"):
        assert secret not in text
