"""EventBridge Scheduler schedules fire on the local cloud, on its clock
(localcloud/clock/scheduler_firing.py): one-time, rate and cron schedules in their time zones,
to SQS and Step Functions targets with their input, as the schedule's role; failed deliveries
retried and then kept in the dead-letter queue; one-time schedules deleted after completion.
They run on the clock tests' instance (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from zoneinfo import ZoneInfo

import pytest

from devkit.local_cloud import client, clock, service_role, wait_until

pytestmark = pytest.mark.clock_tests_cloud

# What the schedules of these tests deliver, as their role: to the tests' queues (the dead-letter
# queue included, and the queue that does not exist), and executions of their state machines.
SCHEDULE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
            "Resource": [
                "arn:aws:sqs:*:000000000000:scheduled-*",
                "arn:aws:sqs:*:000000000000:absent-*",
            ],
        },
        {
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": "arn:aws:states:*:000000000000:stateMachine:scheduled-*",
        },
    ],
}
SECONDS_AFTER_AN_ADVANCE = 20
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def schedule_role(local_cloud) -> str:
    return service_role(
        client("iam"), "scheduled-deliveries", "scheduler.amazonaws.com", SCHEDULE_POLICY
    )


@pytest.fixture
def queue(local_cloud):
    """make() -> (url, arn) of a new queue; deleted after the test."""
    sqs, made = client("sqs"), []

    def make() -> tuple[str, str]:
        url = sqs.create_queue(QueueName=f"scheduled-{uuid.uuid4().hex[:10]}")["QueueUrl"]
        made.append(url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return url, arn["QueueArn"]

    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def schedule(local_cloud):
    """create(**CreateSchedule's arguments) -> the schedule's name; deleted after the test."""
    scheduler, made = client("scheduler"), []

    def create(**arguments) -> str:
        name = f"clock-{uuid.uuid4().hex[:10]}"
        scheduler.create_schedule(Name=name, FlexibleTimeWindow={"Mode": "OFF"}, **arguments)
        made.append(name)
        return name

    yield create
    for name in made:
        with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
            scheduler.delete_schedule(Name=name)  # unless deleted after completion


def received(queue_url: str, wait_seconds: int = 1) -> list[dict]:
    return (
        client("sqs")
        .receive_message(
            QueueUrl=queue_url,
            WaitTimeSeconds=wait_seconds,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
        )
        .get("Messages", [])
    )


def delivered(queue_url: str) -> list[dict]:
    return wait_until(
        lambda: received(queue_url), timeout=SECONDS_AFTER_AN_ADVANCE, what="a delivery"
    )


def clock_now() -> datetime.datetime:
    return datetime.datetime.fromisoformat(clock()["now"].replace("Z", "+00:00"))


def test_a_one_time_schedule_delivers_at_its_time_and_not_before(
    schedule, schedule_role, queue, move_clock
):
    # GIVEN an at(...) schedule two hours ahead, to a queue, deleted after completion
    queue_url, queue_arn = queue()
    at = (clock_now() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    name = schedule(
        ScheduleExpression=f"at({at})",
        Target={"Arn": queue_arn, "RoleArn": schedule_role, "Input": '{"remind": "invoice"}'},
        ActionAfterCompletion="DELETE",
    )
    # WHEN the clock moves one hour, THEN nothing is delivered
    move_clock("PT1H")
    assert not received(queue_url, wait_seconds=3)
    # WHEN it moves to three hours, THEN the input is delivered, once, and the schedule is gone
    move_clock("PT2H")
    [message] = delivered(queue_url)
    assert json.loads(message["Body"]) == {"remind": "invoice"}
    assert not received(queue_url, wait_seconds=2)

    def deleted() -> bool:
        names = [s["Name"] for s in client("scheduler").list_schedules()["Schedules"]]
        return name not in names

    wait_until(deleted, timeout=SECONDS_AFTER_AN_ADVANCE, what="the schedule deleted")


def test_a_cron_schedule_fires_in_its_time_zone_and_starts_the_state_machine(
    schedule, schedule_role, pass_only_machine_role, move_clock
):
    # GIVEN a state machine, and a daily schedule for it at the next hour but one in New York
    # (read as UTC, that hour would be most of a day away)
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"scheduled-{uuid.uuid4().hex[:10]}",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn=pass_only_machine_role,
    )["stateMachineArn"]
    hour = (clock_now().astimezone(NEW_YORK) + datetime.timedelta(hours=2)).hour
    try:
        schedule(
            ScheduleExpression=f"cron(0 {hour} * * ? *)",
            ScheduleExpressionTimezone="America/New_York",
            Target={"Arn": machine, "RoleArn": schedule_role, "Input": '{"day": "today"}'},
        )

        def started() -> list[dict]:
            return sfn.list_executions(stateMachineArn=machine)["executions"]

        # WHEN the clock moves an hour, THEN nothing started
        move_clock("PT1H")
        with pytest.raises(TimeoutError):
            wait_until(started, timeout=3, what="an execution")
        # WHEN it passes that hour, THEN one execution started, with the schedule's input
        move_clock("PT2H")
        [execution] = wait_until(started, timeout=SECONDS_AFTER_AN_ADVANCE, what="an execution")
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        assert json.loads(described["input"]) == {"day": "today"}
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_a_delivery_that_keeps_failing_goes_to_the_dead_letter_queue(
    schedule, schedule_role, queue, move_clock
):
    # GIVEN a rate schedule to a queue that does not exist, retried once, with a dead-letter queue
    dlq_url, dlq_arn = queue()
    missing = f"arn:aws:sqs:us-east-1:000000000000:absent-{uuid.uuid4().hex[:10]}"
    schedule(
        ScheduleExpression="rate(1 hour)",
        Target={
            "Arn": missing,
            "RoleArn": schedule_role,
            "Input": '{"n": 1}',
            "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    # WHEN its hour passes
    move_clock("PT1H1M")
    # THEN after its retry the input is in the dead-letter queue, saying why
    [message] = delivered(dlq_url)
    assert json.loads(message["Body"]) == {"n": 1}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["TARGET_ARN"] == missing
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "1"
    assert "NonExistentQueue" in attributes["ERROR_CODE"]
