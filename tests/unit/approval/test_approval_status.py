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
