"""The payroll state machine's paths, with every task mocked (statemachine/test/payroll.mock.json).

Runs each test case of the MockConfigFile on the local cloud: the happy path, a failure of each
task (caught into the [ERROR] notification, then the run fails with the task's error), and
GenerateReport's retry of States.Timeout.
"""

from __future__ import annotations

import json

import pytest

from devkit.local_cloud import PROJECT, client
from support.sfn_mocks import create_mocked_state_machine, run_test_case
from support.template import resource_properties

pytestmark = pytest.mark.localcloud

RUN = {"bucket": "raw", "key": "timesheets/week.csv", "uploadedAt": "2026-11-20T10:00:00Z"}
TOPIC = "arn:aws:sns:us-east-1:000000000000:payroll-mock-tests"


# MarkPaystubsPartial is not mocked: it writes into this real bucket, as the template grants.
PAYSTUBS_BUCKET = "payroll-mock-tests-paystubs"


@pytest.fixture(scope="module")
def payroll_machine(local_cloud) -> str:
    client("s3").create_bucket(Bucket=PAYSTUBS_BUCKET)
    return create_mocked_state_machine(
        "PayrollMockTests",
        "payroll.asl.json",
        {"PayrollNotificationsTopicArn": TOPIC, "PaystubsBucketName": PAYSTUBS_BUCKET},
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{PAYSTUBS_BUCKET}/*/paystubs/_PARTIAL.json",
                }
            ],
        },
    )


def sns_parameters(execution, state: str) -> dict:
    """What the named SNS state was asked to publish."""
    entered = next(
        event["stateEnteredEventDetails"]
        for event in execution.history
        if event.get("stateEnteredEventDetails", {}).get("name") == state
    )
    scheduled = next(
        event["taskScheduledEventDetails"]
        for event in execution.history
        if event["type"] == "TaskScheduled"
        and event["taskScheduledEventDetails"]["resource"] == "publish"
    )
    assert json.loads(entered["input"])  # the state saw the run's state
    return json.loads(scheduled["parameters"])


def caught_error(execution) -> str:
    """The error name the Catch put into the state NotifyFailure received."""
    entered = next(
        event["stateEnteredEventDetails"]
        for event in execution.history
        if event.get("stateEnteredEventDetails", {}).get("name") == "NotifyFailure"
    )
    return json.loads(entered["input"])["error"]["Error"]


def test_happy_path_runs_every_task_and_notifies_success(payroll_machine):
    # GIVEN every task answering as it would for a two-batch file
    # WHEN the run starts
    execution = run_test_case(payroll_machine, "HappyPath", RUN)

    # THEN it succeeds through each task in order, one paystub batch per Map item
    assert execution.status == "SUCCEEDED", execution.cause
    entered = execution.states_entered()
    assert entered == [
        "ProcessData",
        "GeneratePaystubs",
        "GeneratePaystubBatch",
        "GeneratePaystubBatch",
        "FindFailedBatches",
        "DidEveryBatchSucceed",
        "CollectRollup",
        "GenerateReport",
        "NotifySuccess",
    ]
    # AND the success notification summarises the run
    published = sns_parameters(execution, "NotifySuccess")
    assert published["TopicArn"] == TOPIC
    assert published["Subject"] == "Payroll run succeeded"
    assert "4 paystubs, gross pay 5000.00, net pay 3867.50" in published["Message"]
    assert "s3://paystubs/timesheets/week/20261120T100000000000Z/report.pdf" in published["Message"]
    # AND each Map item carried S3 keys, not data
    map_inputs = [
        json.loads(event["stateEnteredEventDetails"]["input"])
        for event in execution.history
        if event.get("stateEnteredEventDetails", {}).get("name") == "GeneratePaystubBatch"
    ]
    assert sorted(item["batchKey"] for item in map_inputs) == [
        "timesheets/week/20261120T100000000000Z/batches/00000.csv",
        "timesheets/week/20261120T100000000000Z/batches/00001.csv",
    ]


@pytest.mark.parametrize(
    ("case", "failed_task", "error", "cause_part"),
    [
        ("ProcessDataFails", "ProcessData", "InvalidPayrollFile", "line 3, column 5 (hours)"),
        ("CollectRollupFails", "CollectRollup", "NoSuchKey", "NoSuchKey"),
        ("GenerateReportFails", "GenerateReport", "ValueError", "ValueError"),
    ],
)
def test_a_failed_task_sends_the_error_notification_and_fails_the_run(
    payroll_machine, case, failed_task, error, cause_part
):
    # GIVEN one task failing
    # WHEN the run starts
    execution = run_test_case(payroll_machine, case, RUN)

    # THEN the failure is caught into the [ERROR] notification naming the step and the error
    # (a bad file: where it is wrong), never a stack trace
    entered = execution.states_entered()
    assert entered[-2:] == ["NotifyFailure", "PayrollFailed"]
    assert failed_task in entered
    assert "NotifySuccess" not in entered
    published = sns_parameters(execution, "NotifyFailure")
    assert published["Subject"] == f"[ERROR]: {failed_task} failed"
    assert f"failed in {failed_task}: {error}" in published["Message"]
    assert cause_part in published["Message"]
    assert "stackTrace" not in published["Message"] and "File " not in published["Message"]
    # AND the run fails saying the same; the task's own error is in the caught state
    assert execution.status == "FAILED"
    assert execution.error == "PayrollRunFailed"
    assert execution.cause == published["Message"]
    assert caught_error(execution) == error


def test_generate_report_timing_out_in_its_function_is_tried_once_more(payroll_machine):
    # GIVEN GenerateReport's function timing out once (that invocation is over), then answering
    # WHEN the run starts
    execution = run_test_case(payroll_machine, "GenerateReportTimeoutRetried", RUN, timeout=90)

    # THEN GenerateReport was tried twice and the run succeeded
    assert execution.status == "SUCCEEDED", execution.cause
    failed_attempts = [
        event
        for event in execution.events("TaskFailed")
        if event["taskFailedEventDetails"]["error"] == "Sandbox.Timedout"
    ]
    assert len(failed_attempts) == 1
    assert execution.states_entered()[-2:] == ["GenerateReport", "NotifySuccess"]


def test_a_state_timeout_of_generate_report_is_not_retried(payroll_machine):
    # GIVEN GenerateReport's state timing out (its function may still be running)
    # WHEN the run starts
    execution = run_test_case(payroll_machine, "GenerateReportTimesOutEveryTime", RUN, timeout=90)

    # THEN no second run is started beside it: the failure is notified
    timeouts = [
        event
        for event in execution.events("TaskFailed")
        if event["taskFailedEventDetails"]["error"] == "States.Timeout"
    ]
    assert len(timeouts) == 1
    assert execution.status == "FAILED"
    assert caught_error(execution) == "States.Timeout"
    assert execution.states_entered()[-2:] == ["NotifyFailure", "PayrollFailed"]


def test_every_task_waits_at_least_as_long_as_its_function_may_run():
    # The state's timeout below the function's would retry beside a run still going.
    definition = json.loads((PROJECT / "statemachine" / "payroll.asl.json").read_text())
    tasks = {
        "ProcessData": definition["States"]["ProcessData"],
        "GeneratePaystubs": definition["States"]["GeneratePaystubs"]["ItemProcessor"]["States"][
            "GeneratePaystubBatch"
        ],
        "CollectRollup": definition["States"]["CollectRollup"],
        "GenerateReport": definition["States"]["GenerateReport"],
    }
    for name, task in tasks.items():
        function = resource_properties(f"Payroll{name}Function")
        assert task["TimeoutSeconds"] >= function["Timeout"], name


def test_a_failed_paystub_batch_is_named_and_the_others_finish(payroll_machine):
    # GIVEN one paystub batch of two failing
    # WHEN the run starts
    execution = run_test_case(payroll_machine, "OnePaystubBatchFails", RUN)

    # THEN both batches ran, and the [ERROR] notification names the one without paystubs
    entered = execution.states_entered()
    assert entered.count("GeneratePaystubBatch") == 2
    assert entered[-2:] == ["NotifyFailure", "PayrollFailed"]
    assert "CollectRollup" not in entered
    published = sns_parameters(execution, "NotifyFailure")
    assert published["Subject"] == "[ERROR]: GeneratePaystubs failed"
    batches = [f"timesheets/week/20261120T100000000000Z/batches/{n:05d}.csv" for n in range(2)]
    named = [key for key in batches if key in published["Message"]]
    assert len(named) == 1
    assert execution.status == "FAILED" and execution.error == "PayrollRunFailed"
    # AND beside the other batch's paystubs, _PARTIAL.json marks the run failed, naming the batch
    assert entered[-3:] == ["MarkPaystubsPartial", "NotifyFailure", "PayrollFailed"]
    marker = client("s3").get_object(
        Bucket=PAYSTUBS_BUCKET, Key="timesheets/week/20261120T100000000000Z/paystubs/_PARTIAL.json"
    )
    run_status = json.loads(marker["Body"].read())
    assert run_status["run"] == execution.arn.rsplit(":", 1)[-1]
    assert (run_status["status"], run_status["failedBatches"]) == ("FAILED", named)


def test_every_paystub_batch_failing_names_them_all(payroll_machine):
    execution = run_test_case(payroll_machine, "GeneratePaystubsFails", RUN)
    published = sns_parameters(execution, "NotifyFailure")
    assert "batches/00000.csv" in published["Message"]
    assert "batches/00001.csv" in published["Message"]
    assert "stackTrace" not in published["Message"]
