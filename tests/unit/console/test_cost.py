"""Cost arithmetic against figures worked out by hand from the prices file's rates."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from localcloud.console import cost, ecs_tasks, graph, history

T0 = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)
PRICES = cost.load_prices()

DEFINITION = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"},
            "Next": "Tell",
        },
        "Tell": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Next": "Keep"},
        "Keep": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Next": "Odd"},
        "Odd": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": True},
    },
}


def event(i: int, kind: str, ms: int, **details) -> dict:
    key = (
        "stateEnteredEventDetails" if kind.endswith("StateEntered")
        else "stateExitedEventDetails" if kind.endswith("StateExited")
        else kind[0].lower() + kind[1:] + "EventDetails"
    )  # fmt: skip
    return {
        "id": i,
        "previousEventId": i - 1,
        "type": kind,
        "timestamp": T0 + datetime.timedelta(milliseconds=ms),
        key: details,
    }


def run_history() -> list[dict]:
    """Work fails once then succeeds (2 Lambda requests); three service calls; 1234 ms."""
    events = [event(1, "ExecutionStarted", 0, input="{}")]

    def add(kind, **details):
        events.append(event(len(events) + 1, kind, len(events) * 10, **details))

    add("TaskStateEntered", name="Work", input="{}")
    add("TaskScheduled", resourceType="lambda", resource="invoke", parameters="{}")
    add("TaskFailed", error="Flaky", cause="")
    add("TaskScheduled", resourceType="lambda", resource="invoke", parameters="{}")
    add("TaskSucceeded", output="{}")
    add("TaskStateExited", name="Work", output="{}")
    for name, service, action in (
        ("Tell", "sns", "publish"),
        ("Keep", "dynamodb", "putItem"),
        ("Odd", "s3", "getObject"),
    ):
        add("TaskStateEntered", name=name, input="{}")
        add("TaskScheduled", resourceType=service, resource=action, parameters="{}")
        add("TaskSucceeded", output="{}")
        add("TaskStateExited", name=name, output="{}")
    events.append(event(len(events) + 1, "ExecutionSucceeded", 1234, output="{}"))
    return events


def priced(workflow_type: str = "STANDARD", definition=DEFINITION) -> cost.Cost:
    shape = graph.build(definition)
    path = history.reconstruct(run_history())
    # The two Lambda attempts: 120 ms and 80 ms billed at 256 MB.
    path.visits[0].attempts[0].request_id = "r1"
    path.visits[0].attempts[1].request_id = "r2"
    reports = {
        "r1": cost.Report("r1", 120, 256),
        "r2": cost.Report("r2", 80, 256),
    }
    text = json.dumps(definition)
    return cost.price(cost.usage(shape, path, reports, len(text)), workflow_type, PRICES)


def test_the_prices_file_says_where_and_when_they_were_read():
    assert PRICES["region"] == "us-east-1"
    datetime.date.fromisoformat(PRICES["read_on"])
    assert PRICES["sources"]["stepfunctions"].startswith("https://aws.amazon.com/")
    assert PRICES["sources"]["lambda"].startswith("https://aws.amazon.com/")


def test_a_report_line_gives_billed_duration_and_memory():
    line = (
        "REPORT RequestId: abc-1\tDuration: 119.31 ms\tBilled Duration: 120 ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 61 MB\tInit Duration: 80.00 ms"
    )
    report = cost.parse_report(line)
    assert report == cost.Report("abc-1", 120, 256)
    # 0.12 s x 0.25 GB
    assert report.gb_seconds == Decimal("0.03")
    assert cost.parse_report("START RequestId: abc-1") is None


def test_usage_counts_transitions_lambda_and_service_calls():
    usage = priced().usage
    # 4 states entered + 1 retry
    assert usage.state_transitions == 5
    assert usage.lambda_requests == 2
    # (0.120 + 0.080) s x 256/1024 GB
    assert usage.lambda_gb_seconds == Decimal("0.05")
    assert dict(usage.service_calls) == {"sns:publish": 1, "dynamodb:putItem": 1, "s3:getObject": 1}
    assert usage.duration_ms == 1234


def test_standard_cost_by_hand():
    result = priced()
    # transitions 5 x $0.000025                    = $0.000125
    # Lambda requests 2 x $0.0000002               = $0.0000004
    # Lambda 0.05 GB-s x $0.0000166667             = $0.000000833335
    # SNS publish 1 x $0.0000005                   = $0.0000005
    # DynamoDB putItem 1 x $0.000000625            = $0.000000625
    expected = (
        Decimal("0.000125") + Decimal("0.0000004") + Decimal("0.000000833335")
        + Decimal("0.0000005") + Decimal("0.000000625")
    )  # fmt: skip
    assert result.standard_usd == expected
    assert result.as_dict()["standardPerMillionUsd"] == "127.36"
    # s3:getObject has no price in the file: counted, named, not guessed
    assert result.unpriced_calls == {"s3:getObject": 1}


def test_express_alternative_by_hand():
    result = priced()
    assert result.express_blockers == []
    # request $0.000001; duration 1234 ms -> 1300 ms; memory 50 MB + a few KB -> 64 MB
    # 1.3 s x 64/1024 GB = 0.08125 GB-s x $0.0000166667 = $0.00000135416...
    duration_usd = Decimal("0.08125") * Decimal("0.0000166667")
    shared = Decimal("0.0000004") + Decimal("0.000000833335") + Decimal("0.0000005")
    shared += Decimal("0.000000625")
    assert result.express_usd == Decimal("0.000001") + duration_usd + shared
    assert result.as_dict()["expressPerMillionUsd"] == "4.71"


@pytest.mark.parametrize(
    "resource, blocker",
    [
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", ".waitForTaskToken integration"),
        ("arn:aws:states:::states:startExecution.sync:2", ".sync integration"),
    ],
)
def test_no_express_alternative_for_callbacks_and_sync_jobs(resource, blocker):
    definition = json.loads(json.dumps(DEFINITION))
    definition["States"]["Odd"]["Resource"] = resource
    result = priced(definition=definition)
    assert result.express is None
    assert any(blocker in b for b in result.express_blockers)
    assert result.as_dict()["expressPerMillionUsd"] is None


def test_express_memory_grows_with_map_iterations_and_payloads():
    # 50 MB + 10 KB definition + 32 KB payload x 400 iterations = 62.51 MB -> one 64 MB chunk
    path = history.Path("SUCCEEDED", [], [], None, None, "x" * 32 * 1024, None, None, None)
    path.iterations = [history.Iteration("M", i, (("M", i),)) for i in range(400)]
    memory = cost._express_memory_mb(path, 10 * 1024)
    assert memory == Decimal(50) + (Decimal(10) + Decimal(32) * 400) / 1024


RUN_TASK = "arn:aws:states:::ecs:runTask.sync"
TASK_ARN = "arn:aws:ecs:us-east-1:000000000000:task/imports/{}"


def import_history() -> list[dict]:
    """ImportRows runs an ecs:runTask.sync task, which fails once and is retried."""
    events = [event(1, "ExecutionStarted", 0, input="{}")]

    def add(kind, **details):
        events.append(event(len(events) + 1, kind, len(events) * 10, **details))

    add("TaskStateEntered", name="ImportRows", input="{}")
    for attempt, ended in ((1, "TaskFailed"), (2, "TaskSucceeded")):
        add("TaskScheduled", resourceType="ecs", resource="runTask.sync", parameters="{}")
        add("TaskStarted", resourceType="ecs", resource="runTask.sync")
        submitted = {"Tasks": [{"TaskArn": TASK_ARN.format(attempt)}], "Failures": []}
        add("TaskSubmitted", resourceType="ecs", output=json.dumps(submitted))
        if ended == "TaskFailed":
            add(ended, error="States.TaskFailed", cause=json.dumps({"StopCode": "x"}))
        else:
            add(ended, output=json.dumps({"TaskArn": TASK_ARN.format(attempt)}))
    add("TaskStateExited", name="ImportRows", output="{}")
    events.append(event(len(events) + 1, "ExecutionSucceeded", 1234, output="{}"))
    return events


def ecs_task(cpu: str, memory: str, ran_s: float | None) -> dict:
    return {
        "cpu": cpu,
        "memory": memory,
        "createdAt": T0,
        "pullStartedAt": T0 + datetime.timedelta(seconds=2),
        "stoppedAt": None if ran_s is None else T0 + datetime.timedelta(seconds=2 + ran_s),
    }


def priced_import(*tasks: dict | None) -> cost.Cost:
    definition = {"StartAt": "ImportRows", "States": {"ImportRows": {
        "Type": "Task", "Resource": RUN_TASK, "End": True}}}  # fmt: skip
    path = history.reconstruct(import_history())
    for attempt, task in zip(path.visits[0].attempts, tasks, strict=True):
        attempt.task = task
    usage = cost.usage(graph.build(definition), path, {}, len(json.dumps(definition)))
    return cost.price(usage, "STANDARD", PRICES)


def test_each_attempt_of_a_run_task_state_names_its_own_task():
    attempts = history.reconstruct(import_history()).visits[0].attempts
    assert [ecs_tasks.task_arn(a) for a in attempts] == [TASK_ARN.format(1), TASK_ARN.format(2)]


def test_fargate_bills_each_task_per_second_with_a_one_minute_minimum():
    # GIVEN a task of 0.25 vCPU / 0.5 GB that ran 30 s (billed 60 s), and its retry of
    # 1 vCPU / 2 GB that ran 90.2 s (billed 91 s)
    result = priced_import(ecs_task("256", "512", 30), ecs_task("1024", "2048", 90.2))

    # THEN vCPU: 60 x 0.25 + 91 x 1 = 106 vCPU-s; memory: 60 x 0.5 + 91 x 2 = 212 GB-s
    assert result.usage.fargate_vcpu_seconds == 106
    assert result.usage.fargate_gb_seconds == 212
    lines = {line.item: line.usd for line in result.standard}
    assert lines["Fargate vCPU"] == Decimal(106) / 3600 * Decimal("0.04048")
    assert lines["Fargate memory"] == Decimal(212) / 3600 * Decimal("0.004445")
    # AND RunTask itself is not a priced or unpriced request: Fargate's time is its price
    assert result.unpriced_calls == {}
    # 2 transitions (the state and its retry) x $0.000025 + $0.00119191... + $0.00026176...
    assert result.as_dict()["standardPerMillionUsd"] == "1503.67"


def test_a_task_not_stopped_yet_is_counted_and_not_priced():
    result = priced_import(ecs_task("256", "512", 30), ecs_task("256", "512", None))
    assert result.usage.fargate_unpriced == 1
    assert result.usage.fargate_vcpu_seconds == 15


def test_a_task_ecs_has_forgotten_is_priced_as_step_functions_recorded_it():
    # GIVEN the task a runTask.sync state ended with, as Step Functions records it (epoch ms)
    pulled = int((T0 + datetime.timedelta(seconds=2)).timestamp() * 1000)
    recorded = {
        "TaskArn": TASK_ARN.format(1),
        "Cpu": "512",
        "Memory": "1024",
        "PullStartedAt": pulled,
        "StoppedAt": pulled + 75_400,
        "Containers": [{"Name": "importer", "ExitCode": 0}],
    }
    attempt = history.Attempt(1, RUN_TASK, T0, output=json.dumps(recorded))

    # WHEN it is read back
    task = ecs_tasks.recorded_task(attempt)

    # THEN it has DescribeTasks' shape, and Fargate bills its 75.4 s as 76
    assert task["taskArn"] == TASK_ARN.format(1)
    assert task["containers"] == [{"name": "importer", "exitCode": 0}]
    assert cost.fargate_billed_seconds(task) == 76
