"""The instance's clock (localcloud/clock/): read and moved forward over HTTP, and what the
local cloud times follows it: Step Functions' waits, timeouts, heartbeats and retries, and the
dates it reports; EventBridge rule schedules; SQS delays and visibility timeouts. The tests
run on the clock tests' instance (tests/conftest.py) and move its clock with `move_clock`: never
while another test on it runs."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
import requests

from devkit.local_cloud import (
    client,
    clock,
    endpoint,
    local_cloud_pid,
    service_role,
    this_port,
    wait_for_execution,
    wait_until,
)
from support.queues import EVENTBRIDGE, queue_for

pytestmark = pytest.mark.clock_tests_cloud
# The run's instance, where the stack is deployed (read at collection, before any test is pointed
# at the clock tests' instance).
RUN_PORT = this_port()

# What these tests' state machines do: send task tokens to the tests' queues, and look up a
# queue that does not exist (the retried task).
MACHINE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
            "Resource": "arn:aws:sqs:*:000000000000:clock-*",
        },
        {
            "Effect": "Allow",
            "Action": "sqs:GetQueueUrl",
            "Resource": "arn:aws:sqs:*:000000000000:absent-*",
        },
    ],
}
# An advance reaches a waiting state within the clock's look interval (0.2 s); the rest is a
# loaded machine's scheduling.
SECONDS_AFTER_AN_ADVANCE = 20


def instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def state_machine(state_machine):
    """conftest's, its machines run as the role these tests' tasks need."""
    role = service_role(client("iam"), "clock-machine", "states.amazonaws.com", MACHINE_POLICY)
    return lambda definition: state_machine(definition, role=role)


def asking_someone(queue_url: str, **timeouts: int) -> dict:
    """A machine whose one task sends its token to the queue and waits, with these timeouts
    (TimeoutSeconds, HeartbeatSeconds)."""
    return {
        "StartAt": "AskSomeone",
        "States": {
            "AskSomeone": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue_url, "MessageBody": {"token.$": "$$.Task.Token"}},
                **timeouts,
                "End": True,
            }
        },
    }


@pytest.fixture
def queue(local_cloud):
    """A new queue: (url, arn); deleted after the test."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"clock-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    yield url, arn["QueueArn"]
    sqs.delete_queue(QueueUrl=url)


def start(machine_arn: str, payload: dict | None = None) -> str:
    return client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, input=json.dumps(payload or {})
    )["executionArn"]


def status(execution_arn: str) -> str:
    return client("stepfunctions").describe_execution(executionArn=execution_arn)["status"]


def still_running_a_moment_later(execution_arn: str) -> bool:
    # A negative: the execution did not end on the host's time (one look-interval's worth, and
    # more, of it); what ends it is the advance that follows.
    try:
        wait_until(lambda: status(execution_arn) != "RUNNING", timeout=1.5, what="an early end")
    except TimeoutError:
        return True
    return False


# --- the clock over HTTP ---------------------------------------------------------------------


def test_an_advance_moves_the_clock_forward_by_the_duration(move_clock):
    before = clock()
    after = move_clock("PT1H")
    assert after["offsetSeconds"] == before["offsetSeconds"] + 3600
    moved = (instant(after["now"]) - instant(before["now"])).total_seconds()
    assert 3600 <= moved < 3600 + 30
    assert clock()["offsetSeconds"] == after["offsetSeconds"]


def test_the_clock_tests_move_the_clock_of_an_instance_the_other_tests_do_not_use(move_clock):
    # WHEN a clock test moves the clock
    move_clock("PT1M")
    # THEN it is the clock of an instance of their own: the other tests need not end first
    assert this_port() != RUN_PORT
    assert local_cloud_pid(int(this_port())) != local_cloud_pid(int(RUN_PORT))


@pytest.mark.parametrize(
    ("body", "why"),
    [({"advance": "-PT1H"}, "negative"), ({"advance": "24h"}, "not an ISO 8601 duration"),
     ({"advance": "P1M"}, "years and months"), ({"by": "PT1H"}, "the body must be")],
)  # fmt: skip
def test_a_bad_or_negative_duration_is_a_400_that_says_why(local_cloud, body, why):
    before = clock()["offsetSeconds"]
    refused = requests.post(f"{endpoint()}/_localcloud/clock", json=body, timeout=10)
    assert refused.status_code == 400
    assert why in refused.json()["message"]
    assert clock()["offsetSeconds"] == before


# --- Step Functions --------------------------------------------------------------------------


def test_every_kind_of_wait_ends_when_the_clock_passes_a_day(state_machine, move_clock):
    # GIVEN a state machine waiting 86,400 s in each of Wait's four forms
    tomorrow = instant(clock()["now"]) + datetime.timedelta(days=1)
    waits = {
        "Seconds": {"Seconds": 86_400},
        "SecondsPath": {"SecondsPath": "$.seconds"},
        "Timestamp": {"Timestamp": tomorrow.isoformat().replace("+00:00", "Z")},
        "TimestampPath": {"TimestampPath": "$.until"},
    }
    branches = [
        {"StartAt": form, "States": {form: {"Type": "Wait", **wait, "End": True}}}
        for form, wait in waits.items()
    ]
    machine = state_machine(
        {
            "StartAt": "All",
            "States": {"All": {"Type": "Parallel", "Branches": branches, "End": True}},
        }
    )
    execution = start(machine, {"seconds": 86_400, "until": waits["Timestamp"]["Timestamp"]})
    assert still_running_a_moment_later(execution)
    # WHEN the clock moves a day and a minute ahead
    move_clock("PT24H1M")
    # THEN it ends within seconds
    assert wait_for_execution(execution, timeout=SECONDS_AFTER_AN_ADVANCE).status == "SUCCEEDED"


def test_a_task_token_times_out_when_the_clock_passes_its_timeout(state_machine, queue, move_clock):
    # GIVEN an execution waiting for a task token, TimeoutSeconds 7200
    queue_url, _ = queue
    machine = state_machine(asking_someone(queue_url, TimeoutSeconds=7200))
    execution = start(machine)
    assert still_running_a_moment_later(execution)
    # WHEN the clock moves two hours and a minute ahead
    move_clock("PT2H1M")
    # THEN the task fails with States.Timeout
    finished = wait_for_execution(execution, timeout=SECONDS_AFTER_AN_ADVANCE)
    assert (finished.status, finished.error) == ("FAILED", "States.Timeout")


def test_a_missed_heartbeat_fails_when_the_clock_passes_it(state_machine, queue, move_clock):
    queue_url, _ = queue
    machine = state_machine(asking_someone(queue_url, HeartbeatSeconds=600))
    execution = start(machine)
    assert still_running_a_moment_later(execution)
    move_clock("PT11M")
    finished = wait_for_execution(execution, timeout=SECONDS_AFTER_AN_ADVANCE)
    # AWS names it States.HeartbeatTimeout; LocalStack names every task timeout States.Timeout.
    assert finished.status == "FAILED"
    assert finished.error in ("States.HeartbeatTimeout", "States.Timeout")


def test_an_execution_times_out_when_the_clock_passes_its_timeout(state_machine, move_clock):
    machine = state_machine(
        {
            "TimeoutSeconds": 3600,
            "StartAt": "Wait",
            "States": {"Wait": {"Type": "Wait", "Seconds": 86_400, "End": True}},
        }
    )
    execution = start(machine)
    assert still_running_a_moment_later(execution)
    move_clock("PT1H1M")
    assert wait_for_execution(execution, timeout=SECONDS_AFTER_AN_ADVANCE).status == "TIMED_OUT"


def test_a_retry_waits_its_interval_on_the_clock(state_machine, move_clock):
    # GIVEN a task that fails, retried once an hour later
    machine = state_machine(
        {
            "StartAt": "FindQueue",
            "States": {
                "FindQueue": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                    "Parameters": {"QueueName": f"absent-{uuid.uuid4().hex}"},
                    "Retry": [
                        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3600, "MaxAttempts": 1}
                    ],
                    "End": True,
                }
            },
        }
    )
    execution = start(machine)
    assert still_running_a_moment_later(execution)
    # WHEN the clock passes the interval, THEN the retry runs (and fails again)
    move_clock("PT1H1M")
    finished = wait_for_execution(execution, timeout=SECONDS_AFTER_AN_ADVANCE)
    assert finished.status == "FAILED"
    assert len(finished.events("TaskFailed")) == 2


def test_step_functions_reports_dates_on_the_clock(state_machine, move_clock):
    # GIVEN a clock a day ahead of the host's
    move_clock("PT24H")
    machine = state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    now = instant(clock()["now"])
    # WHEN an execution runs
    finished = wait_for_execution(start(machine), timeout=SECONDS_AFTER_AN_ADVANCE)
    described = client("stepfunctions").describe_execution(executionArn=finished.arn)
    # THEN its dates and its history's are the clock's
    for date in (
        described["startDate"],
        described["stopDate"],
        *(e["timestamp"] for e in finished.history),
    ):
        assert abs((date - now).total_seconds()) < 60


def test_a_map_run_and_its_children_are_dated_on_the_clock(state_machine, move_clock):
    # GIVEN a clock a day ahead of the host's
    move_clock("PT24H")
    each = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    machine = state_machine({"StartAt": "Each", "States": {"Each": each}})
    now = instant(clock()["now"])
    # WHEN a Distributed Map runs two children
    finished = wait_for_execution(
        start(machine, {"items": [1, 2]}), timeout=SECONDS_AFTER_AN_ADVANCE
    )
    assert finished.status == "SUCCEEDED", finished.error
    # THEN its Map Run's dates and its children's, as listed and as described, are the clock's
    sfn = client("stepfunctions")
    (listed,) = sfn.list_map_runs(executionArn=finished.arn)["mapRuns"]
    described = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])
    children = sfn.list_executions(mapRunArn=listed["mapRunArn"])["executions"]
    assert len(children) == 2
    child_dates = [
        child[field]
        for listed_child in children
        for child in (
            listed_child,
            sfn.describe_execution(executionArn=listed_child["executionArn"]),
        )
        for field in ("startDate", "stopDate")
    ]
    for date in (described["startDate"], described["stopDate"], *child_dates):
        assert abs((date - now).total_seconds()) < 60


# --- EventBridge rule schedules -------------------------------------------------------------


def test_a_daily_rule_delivers_once_when_the_clock_passes_a_day(move_clock):
    # GIVEN a rate(1 day) rule whose target is a queue that lets the rule deliver
    events, sqs = client("events"), client("sqs")
    rule = f"clock-{uuid.uuid4().hex[:10]}"
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")["RuleArn"]
    queue_url, queue_arn = queue_for(sqs, rule, [rule_arn], EVENTBRIDGE)
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    try:
        # WHEN the clock moves 25 hours ahead
        move_clock("PT25H")

        # THEN the queue gets the scheduled event, once
        def delivered():
            return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

        messages = wait_until(delivered, timeout=SECONDS_AFTER_AN_ADVANCE, what="the daily rule")
        event = json.loads(messages[0]["Body"])
        assert event["detail-type"] == "Scheduled Event"
        assert abs((instant(event["time"]) - instant(clock()["now"])).total_seconds()) < 60
        assert not sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2).get("Messages")
    finally:
        events.remove_targets(Rule=rule, Ids=["queue"])
        events.delete_rule(Name=rule)
        sqs.delete_queue(QueueUrl=queue_url)


# --- SQS -------------------------------------------------------------------------------------


def test_a_delayed_message_is_delivered_when_the_clock_passes_its_delay(queue, move_clock):
    queue_url, _ = queue
    sqs = client("sqs")
    sqs.send_message(QueueUrl=queue_url, MessageBody="later", DelaySeconds=900)
    assert not sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")
    move_clock("PT16M")

    def delivered():
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    [message] = wait_until(delivered, timeout=SECONDS_AFTER_AN_ADVANCE, what="the delayed message")
    assert message["Body"] == "later"


def test_a_received_message_comes_back_when_the_clock_passes_its_visibility_timeout(
    queue, move_clock
):
    # GIVEN a message received with a visibility timeout of 12 hours
    queue_url, _ = queue
    sqs = client("sqs")
    sqs.send_message(QueueUrl=queue_url, MessageBody="again")
    first = sqs.receive_message(
        QueueUrl=queue_url, VisibilityTimeout=43_200, WaitTimeSeconds=5, AttributeNames=["All"]
    )["Messages"]
    sent = int(first[0]["Attributes"]["SentTimestamp"]) / 1000
    assert abs(sent - instant(clock()["now"]).timestamp()) < 60  # stamped on the clock
    assert not sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")
    # WHEN the clock passes it, THEN the message is received again
    move_clock("PT12H1M")

    def redelivered():
        return sqs.receive_message(
            QueueUrl=queue_url, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"]
        ).get("Messages")

    [message] = wait_until(redelivered, timeout=SECONDS_AFTER_AN_ADVANCE, what="the message again")
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


# --- CloudWatch Logs ---------------------------------------------------------------------------


def test_log_events_stamped_on_the_clock_are_kept_when_it_is_hours_ahead(move_clock):
    # GIVEN a clock three hours ahead of the host's (CloudWatch Logs refuses events stamped more
    # than two hours after its own now)
    move_clock("PT3H")
    logs, group = client("logs"), f"/clock/{uuid.uuid4().hex[:10]}"
    logs.create_log_group(logGroupName=group)
    try:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        # WHEN an event stamped with the clock's now is put (as Step Functions' logs are)
        stamp = int(instant(clock()["now"]).timestamp() * 1000)
        answer = logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": stamp, "message": "on the clock"}],
        )
        # THEN it is accepted and kept
        assert "rejectedLogEventsInfo" not in answer
        events = logs.get_log_events(logGroupName=group, logStreamName="s")["events"]
        assert [e["message"] for e in events] == ["on the clock"]
    finally:
        logs.delete_log_group(logGroupName=group)
