"""The schedule's function: FAILED communications in batches of 20, one execution per batch,
none started twice in one window."""

import json

import boto3
import pytest

from support.handlers import fresh
from unit.comms.comms_testkit import put_communication


@pytest.fixture
def schedule(aws):
    boto3.client("stepfunctions").create_state_machine(
        name="comms",
        definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )
    return fresh("comms.handlers.schedule")


STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:comms"


def executions() -> list[dict]:
    sfn = boto3.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=STATE_MACHINE)["executions"]
    return [
        json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in found
    ]


def finish_the_round() -> None:
    sfn = boto3.client("stepfunctions")
    for execution in sfn.list_executions(stateMachineArn=STATE_MACHINE, statusFilter="RUNNING")[
        "executions"
    ]:
        sfn.stop_execution(executionArn=execution["executionArn"])


def fired(at: str) -> dict:
    return {"detail-type": "Scheduled Event", "source": "aws.events", "time": at}


def first_firing(communications: int, started: int) -> dict:
    """The schedule's summary of a firing with no round before it: nothing already started."""
    return {
        "previousRoundRunning": False,
        "communications": communications,
        "started": started,
        "alreadyStarted": 0,
    }


def test_failed_communications_start_one_execution_per_batch_of_twenty(schedule, lambda_context):
    # GIVEN 45 failed communications, one sent and one MANUAL
    for index in range(45):
        put_communication(
            id=f"c-{index:02d}",
            status="FAILED",
            attempts=3,
            created=f"2026-11-29T10:{index:02d}:00.000Z",
        )
    put_communication(id="sent", status="SENT", sent=1)
    put_communication(id="manual", status="MANUAL", attempts=5)
    # WHEN the rule fires
    summary = schedule.handler(fired("2026-11-29T12:15:00Z"), lambda_context)
    # THEN three executions hold every failed one once, ids only
    assert summary == first_firing(communications=45, started=3)
    batches = executions()
    assert sorted(len(execution["communicationIds"]) for execution in batches) == [5, 20, 20]
    ids = sorted(i for execution in batches for i in execution["communicationIds"])
    assert ids == [f"c-{index:02d}" for index in range(45)]
    # AND the round as a whole asks for the re-send concurrency (10) at most: 3 items each
    assert {execution["itemConcurrency"] for execution in batches} == {3}


def test_a_second_firing_in_the_same_window_starts_nothing(schedule, lambda_context):
    for index in range(25):
        put_communication(id=f"c-{index:02d}", status="FAILED", attempts=3)
    schedule.handler(fired("2026-11-29T12:15:00Z"), lambda_context)
    schedule.handler(fired("2026-11-29T12:29:59Z"), lambda_context)
    # (Step Functions answers a repeated name with the same execution, or ExecutionAlreadyExists)
    assert len(executions()) == 2
    # AND once that round has finished, the next window starts the batches again (still FAILED:
    # the retry had not sent them)
    finish_the_round()
    schedule.handler(fired("2026-11-29T12:30:00Z"), lambda_context)
    assert len(executions()) == 4


def test_a_firing_while_the_previous_round_runs_starts_nothing(schedule, lambda_context):
    # GIVEN a round still working through its batches
    for index in range(25):
        put_communication(id=f"c-{index:02d}", status="FAILED", attempts=3)
    schedule.handler(fired("2026-11-29T12:15:00Z"), lambda_context)
    # WHEN the rule fires in the next window
    summary = schedule.handler(fired("2026-11-29T12:30:00Z"), lambda_context)
    # THEN nothing is queued again behind it
    assert summary["previousRoundRunning"] is True
    assert summary["started"] == 0
    assert len(executions()) == 2


def test_nothing_failed_starts_nothing(schedule, lambda_context):
    summary = schedule.handler(fired("2026-11-29T12:15:00Z"), lambda_context)
    assert summary == first_firing(communications=0, started=0)


def test_the_sample_event_runs(schedule, lambda_context):
    from support.events import sample_event

    put_communication(status="FAILED", attempts=3)
    assert schedule.handler(sample_event("comms-schedule"), lambda_context)["started"] == 1
