"""The approval state machine's every path, with its tasks mocked (statemachine/test/
approval.mock.json) and run by the local cloud's Step Functions."""

from __future__ import annotations

import contextlib
import io
import zipfile

import pytest

from devkit.local_cloud import BASIC_EXECUTION, client, service_role
from support.executions import task_attempts
from support.sfn_mocks import (
    StartedTogether,
    create_mocked_state_machine,
    definition_from_asl,
    install_mock_configs,
    put_state_machine,
)

pytestmark = pytest.mark.localcloud
INPUT = {"x": 125, "y": 122}
UNFINISHED_INPUT = {"x": "125"}
INVALID_INPUT = {"x": "a"}
# (case, the state explaining it, the reason recorded)
UNFINISHED_PATHS = [
    ("approvalInvalidInput", "InputIsInvalid", "INVALID_INPUT"),
    ("approvalValidationFails", "ValidationFailed", "VALIDATION_FAILED"),
    ("approvalSumTooBig", "SumIsTooBig", "NUMBER_TOO_BIG"),
    ("approvalDoubledTooBig", "DoubledNumberIsTooBig", "DOUBLED_NUMBER_TOO_BIG"),
    ("approvalCalculateFailsAfterRetries", "CalculationFailed", "CALCULATION_FAILED"),
    ("approvalEmailFails", "ApprovalFailed", "APPROVAL_FAILED"),
    ("approvalUnknownDecision", "UnknownDecision", "APPROVAL_FAILED"),
]
# (case, the error Calculate answers)
NOT_RETRIED = [
    ("approvalSumTooBig", "NumberIsTooBig"),
    ("approvalDoubledTooBig", "DoubledNumberIsTooBig"),
]


@pytest.fixture(scope="module")
def state_machine(local_cloud) -> str:
    # Retry intervals are part of the definition: one-second waits, a few per retried case.
    return create_mocked_state_machine("approvalMockTests", "approval.asl.json")


@pytest.fixture(scope="module")
def runs(state_machine) -> StartedTogether:
    """Every run of this module's tests on state_machine, started at once."""
    return StartedTogether(
        state_machine,
        [
            ("approvalApproved", INPUT),
            ("approvalRejected", INPUT),
            *((case, UNFINISHED_INPUT) for case, _, _ in UNFINISHED_PATHS),
            ("approvalInvalidInput", INVALID_INPUT),
            *((case, INPUT) for case, _ in NOT_RETRIED),
            ("approvalCalculateRetriedThenApproved", INPUT),
            ("approvalCalculateFailsAfterRetries", INPUT),
        ],
    )


def test_approved_path_finalizes_with_the_result(runs):
    execution = runs.succeeded("approvalApproved", INPUT)
    assert execution.states_entered() == [
        "IsInputValid",
        "CheckInput",
        "Calculate",
        "Approval",
        "CheckDecision",
        "Finalize",
    ]
    output = execution.output
    assert output == {
        "status": "APPROVED",
        "calculationId": output["calculationId"],
        "x": 125,
        "y": 122,
        "sum": 247,
        "doubled": 494,
        "approvedAt": "2026-11-25T12:00:00+00:00",
    }


def test_rejected_path_ends_in_rejected_with_the_details(runs):
    execution = runs.succeeded("approvalRejected", INPUT)
    assert execution.states_entered()[-1] == "Rejected"
    assert execution.output["status"] == "REJECTED"
    assert "rejectedBy" not in execution.output  # the approver's email stays in the table
    assert (execution.output["sum"], execution.output["doubled"]) == (247, 494)


@pytest.mark.parametrize(("case", "explained_by", "reason"), UNFINISHED_PATHS)
def test_every_unfinished_path_records_its_failure_and_ends_in_default_response_saying_why(
    runs, case, explained_by, reason
):
    execution = runs.succeeded(case, UNFINISHED_INPUT)
    assert execution.states_entered()[-3:] == [explained_by, "RecordFailure", "DefaultResponse"]
    assert execution.output["status"] == "FAILED"
    assert execution.output["reason"] == reason
    assert execution.output["input"] == {"x": "125"}
    assert execution.output["message"]


def test_invalid_input_lists_its_problems(runs):
    execution = runs.succeeded("approvalInvalidInput", INVALID_INPUT)
    assert execution.output["details"] == [
        "x: Input should be a valid integer",
        "y: Field required",
    ]
    assert "Calculate" not in execution.states_entered()


@pytest.mark.parametrize(("case", "error"), NOT_RETRIED)
def test_outcomes_of_calculate_are_not_retried(runs, case, error):
    execution = runs.succeeded(case, INPUT)
    assert task_attempts(execution, "Calculate") == 1
    assert execution.output["details"]["Error"] == error


def test_other_calculate_errors_are_retried_twice_then_succeed(runs):
    execution = runs.succeeded("approvalCalculateRetriedThenApproved", INPUT)
    assert task_attempts(execution, "Calculate") == 3
    assert execution.output["status"] == "APPROVED"


def test_calculate_gives_up_after_two_retries(runs):
    execution = runs.succeeded("approvalCalculateFailsAfterRetries", INPUT)
    assert task_attempts(execution, "Calculate") == 3
    assert execution.output["details"]["Error"] == "ThirdPartyUnavailable"


# Timeouts, for real: the waiting task is left unmocked and invokes a function that returns
# without answering its token, so Step Functions itself fires the state's timeout (Approval's
# TimeoutSecondsPath, from the mocked validation's approvalTimeoutSeconds of 1 s) and the Catch
# runs on a genuine States.Timeout. Calculate's fixed 60 s is shortened to 2 s for this copy only.
NEVER_ANSWERS = "approvalMockNeverAnswers"


@pytest.fixture(scope="module")
def never_answers(local_cloud) -> str:
    """A function that takes the task token and never sends it back."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("never.py", "def handler(event, context):\n    return None\n")
    functions = client("lambda")
    with contextlib.suppress(functions.exceptions.ResourceNotFoundException):
        functions.delete_function(FunctionName=NEVER_ANSWERS)
    arn = functions.create_function(
        FunctionName=NEVER_ANSWERS,
        Runtime="python3.13",
        Handler="never.handler",
        Role=service_role(
            client("iam"), NEVER_ANSWERS, "lambda.amazonaws.com", managed=(BASIC_EXECUTION,)
        ),
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    functions.get_waiter("function_active_v2").wait(FunctionName=NEVER_ANSWERS)
    return arn


@pytest.fixture(scope="module")
def timeouts_state_machine(never_answers) -> str:
    install_mock_configs()
    definition = definition_from_asl(
        "approval.asl.json",
        {"CalculateFunctionArn": never_answers, "RequestApprovalFunctionArn": never_answers},
    )
    assert definition.count('"TimeoutSeconds": 60') == 1
    definition = definition.replace('"TimeoutSeconds": 60', '"TimeoutSeconds": 2')
    invokes_it = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": never_answers}
        ],
    }
    return put_state_machine("approvalMockTimeouts", definition, invokes_it)


# (case, the state timing out, the state explaining it, the reason recorded)
TIMEOUTS = [
    # a third party that never answers times out Calculate
    ("approvalThirdPartyNeverAnswers", "Calculate", "ThirdPartyTimedOut", "THIRD_PARTY_TIMED_OUT"),
    # an approver who never answers times out Approval
    ("approvalApproverNeverAnswers", "Approval", "ApprovalTimedOut", "APPROVAL_TIMED_OUT"),
]


@pytest.fixture(scope="module")
def timeout_runs(timeouts_state_machine) -> StartedTogether:
    return StartedTogether(timeouts_state_machine, [(case, INPUT) for case, *_ in TIMEOUTS])


@pytest.mark.parametrize(("case", "state", "explained_by", "reason"), TIMEOUTS)
def test_a_task_nobody_answers_times_out_without_retry(
    timeout_runs, case, state, explained_by, reason
):
    execution = timeout_runs.succeeded(case, INPUT)
    assert execution.states_entered()[-3:] == [explained_by, "RecordFailure", "DefaultResponse"]
    assert execution.output["reason"] == reason
    assert execution.output["details"]["Error"] == "States.Timeout"
    assert task_attempts(execution, state) == 1
