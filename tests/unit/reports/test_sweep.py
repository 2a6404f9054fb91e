"""A report recorded whose execution never started is started by the sweeper, by its id, once;
one inside its grace period, or already started, is left alone (moto's Step Functions)."""

import json

import boto3
import pytest

from support.events import sample_event
from support.handlers import fresh
from unit.conftest import UNIT_ENVIRONMENT
from unit.reports.conftest import REPORTS_TABLE

STATE_MACHINE_ARN = UNIT_ENVIRONMENT["REPORTS_STATE_MACHINE_ARN"]
LONG_AGO = "2026-11-29T12:00:00+00:00"
REQUEST = {"organisationId": "acme", "from": "2025-01-01", "to": "2025-01-31"}


@pytest.fixture
def sweep(aws):
    return fresh("reports.handlers.sweep")


def create_state_machine() -> None:
    boto3.client("stepfunctions").create_state_machine(
        name=STATE_MACHINE_ARN.rsplit(":", 1)[1],
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/reports",
    )


def executions() -> dict[str, dict]:
    sfn = boto3.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]
    return {
        e["name"]: json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in listed
    }


def set_created(report_id: str, created_at: str) -> None:
    boto3.resource("dynamodb").Table(REPORTS_TABLE).update_item(
        Key={"reportId": report_id},
        UpdateExpression="SET createdAt = :at",
        ExpressionAttributeValues={":at": created_at},
    )


def test_a_report_whose_start_failed_is_accepted_and_started_by_the_sweeper_once(
    sweep, lambda_context
):
    from reports.handlers import reports_api

    # GIVEN the state machine is not there when the API records a report (its start fails)
    event = sample_event("reports-reports-api-post")
    event["body"] = json.dumps(REQUEST)  # the requester's address comes from the token
    answer = reports_api.handler(event, lambda_context)
    # THEN the report is accepted: recorded RUNNING, not lost
    assert answer["statusCode"] == 202
    report_id = json.loads(answer["body"])["id"]
    create_state_machine()
    # AND a sweep inside the grace period leaves it to the API
    assert sweep.handler({}, lambda_context) == {"running": 0, "started": 0}
    # WHEN the sweeper runs once the grace period is over, twice
    set_created(report_id, LONG_AGO)
    assert sweep.handler(sample_event("reports-sweep"), lambda_context) == {
        "running": 1,
        "started": 1,
    }
    assert sweep.handler({}, lambda_context) == {"running": 1, "started": 0}
    # THEN its execution, named by its id, was started once, without the email
    assert executions() == {report_id: {"reportId": report_id, **REQUEST, "subRangeDays": 7}}


def test_a_report_already_started_or_finished_is_left_alone(sweep, lambda_context):
    from reports.dal import reports

    create_state_machine()
    for report_id in ("r-running", "r-done"):
        reports.create(REPORTS_TABLE, {"reportId": report_id, **REQUEST, "subRangeDays": 7})
        set_created(report_id, LONG_AGO)
    boto3.resource("dynamodb").Table(REPORTS_TABLE).update_item(
        Key={"reportId": "r-done"},
        UpdateExpression="SET #status = :done",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":done": "SUCCEEDED"},
    )
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=STATE_MACHINE_ARN, name="r-running", input="{}"
    )
    assert sweep.handler({}, lambda_context) == {"running": 1, "started": 0}
