"""The imports workflow end to end on the local cloud: an upload to the imports bucket, the quick
check, the importer run as a Fargate task (host processes) that the state machine waits on, the
rows in the prospect-activity table, the refused rows beside the import, GET /imports/{id}."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest
import requests
from boto3.dynamodb.conditions import Key

from devkit import prospect_activity
from devkit.local_cloud import client, resource, wait_for_execution, wait_until
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
HEADER = "occurredAt,prospectId,prospectName,prospectEmail,channel,eventType,country"
# Long enough that a task is still writing when it is killed or stopped: checkpoints come every
# 5,000 rows, and a kill at the first leaves 10,000 to write after it (about 10 s on a busy
# machine); more rows only make the kill test longer.
BIG = 15_000


def line(organisation: str, number: int) -> str:
    second = f"{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
    day = 1 + number // 86400
    return (
        f"2026-03-{day:02d}T{second}Z,{organisation}-p{number:06d},Prospect {number},"
        f"p{number}@example.com,web,page_view,GB"
    )


def upload(outputs: dict, organisation: str, name: str, lines: list[str]) -> str:
    """Put the CSV; the ARN of the execution it starts."""
    key = f"imports/{organisation}/{name}.csv"
    body = "\n".join([HEADER, *lines]).encode()
    client("s3").put_object(Bucket=outputs["ImportsBucketName"], Key=key, Body=body)
    return prospect_activity.import_execution(outputs, key)


def stored(outputs: dict, organisation: str) -> int:
    table = resource("dynamodb").Table(outputs["ProspectActivityTableName"])
    query = {"KeyConditionExpression": Key("organisationId").eq(organisation), "Select": "COUNT"}
    count = 0
    while True:
        page = table.query(**query)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def import_record(outputs: dict, import_id: str) -> dict:
    table = resource("dynamodb").Table(outputs["ImportsTableName"])
    return table.get_item(Key={"importId": import_id}, ConsistentRead=True).get("Item", {})


def importer_processes(import_id: str) -> list[int]:
    """The pids of the importer processes of this import (a Fargate task's container)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if f"IMPORTS_IMPORT_ID={import_id}".encode() in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def task_of(cluster: str, import_id: str) -> str:
    """The running task importing this import (its container override names it)."""
    ecs = client("ecs")
    running = ecs.list_tasks(cluster=cluster, startedBy="AWS Step Functions")["taskArns"]
    for task in ecs.describe_tasks(cluster=cluster, tasks=running)["tasks"] if running else []:
        [container] = task["overrides"]["containerOverrides"]
        if {"name": "IMPORTS_IMPORT_ID", "value": import_id} in container["environment"]:
            return task["taskArn"]
    raise AssertionError(f"no running task imports {import_id}")


def test_good_rows_land_once_refused_rows_are_listed_and_operators_see_the_counts(
    stack_outputs, api
):
    # GIVEN a file of 40 good rows and 2 bad ones
    organisation = f"imp-{uuid.uuid4().hex[:8]}"
    lines = [line(organisation, n) for n in range(40)]
    lines.insert(5, f"2026-03-01T00:00:00Z,{organisation}-x,Someone,not-an-email,web,view,GB")
    lines.insert(20, "2026-03-01T00:00:00Z,short")

    # WHEN it is uploaded
    execution = wait_for_execution(upload(stack_outputs, organisation, "march", lines), 240)

    # THEN the execution waited on the task and counts its rows
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.events("TaskSubmitted")
    output = execution.output
    assert (output["rows"], output["imported"], output["refused"]) == (42, 40, 2)
    assert stored(stack_outputs, organisation) == 40
    # AND the refused rows are listed beside the import by line and reason, never the value
    listed = (
        client("s3")
        .get_object(Bucket=stack_outputs["ImportsBucketName"], Key=output["refusedRowsKey"])["Body"]
        .read()
        .decode()
    )
    assert listed.splitlines() == [
        "line,reason",
        "7,prospectEmail is not an email address",
        '22,"expected 7 fields, found 2"',
    ]
    assert "not-an-email" not in listed
    # AND an operator sees the import's counts
    token = bearer(reviewer_token("olu", roles=("operator",)))
    answer = requests.get(f"{api}/imports/{output['importId']}", headers=token, timeout=30)
    assert answer.status_code == 200
    shown = answer.json()
    assert (shown["status"], shown["imported"], shown["refused"]) == ("IMPORTED", 40, 2)

    # WHEN the same rows are imported again, in another file
    again = wait_for_execution(upload(stack_outputs, organisation, "again", lines[:30]), 240)

    # THEN nothing is added
    assert again.status == "SUCCEEDED", again.cause
    assert stored(stack_outputs, organisation) == 40


def test_a_file_failing_the_quick_check_runs_no_task(stack_outputs):
    organisation = f"imp-{uuid.uuid4().hex[:8]}"
    key = f"imports/{organisation}/wrong.csv"
    body = b"when,who\n2026-03-01T00:00:00Z,someone\n"
    client("s3").put_object(Bucket=stack_outputs["ImportsBucketName"], Key=key, Body=body)
    execution = wait_for_execution(prospect_activity.import_execution(stack_outputs, key), 120)
    assert execution.status == "FAILED"
    assert execution.error == "ImportRefused"
    assert not execution.events("TaskSubmitted")


def test_a_task_killed_mid_import_is_retried_and_resumes_from_its_checkpoint(stack_outputs):
    # GIVEN an import under way that has passed a checkpoint
    organisation = f"imp-{uuid.uuid4().hex[:8]}"
    arn = upload(stack_outputs, organisation, "big", [line(organisation, n) for n in range(BIG)])
    import_id = arn.rsplit(":", 1)[-1]
    wait_until(
        lambda: import_record(stack_outputs, import_id).get("checkpointLine", 0) > 0,
        timeout=240,
        what="the first checkpoint",
    )

    # WHEN its process is killed
    killed = importer_processes(import_id)
    assert killed, "the import ended before it could be killed"
    for pid in killed:
        os.kill(pid, signal.SIGKILL)

    # THEN the task is retried, resumes after its checkpoint, and every row is stored once
    execution = wait_for_execution(arn, 600)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["resumedFromLine"] > 0
    assert execution.output["imported"] == BIG
    assert len(execution.events("TaskSubmitted")) == 2
    assert import_record(stack_outputs, import_id)["attempts"] == 2
    assert stored(stack_outputs, organisation) == BIG


def test_stopping_the_execution_stops_the_task(stack_outputs):
    # GIVEN an import whose task is running
    organisation = f"imp-{uuid.uuid4().hex[:8]}"
    arn = upload(stack_outputs, organisation, "big", [line(organisation, n) for n in range(BIG)])
    import_id = arn.rsplit(":", 1)[-1]
    wait_until(lambda: importer_processes(import_id), timeout=240, what="the importer to run")
    ecs, cluster = client("ecs"), stack_outputs["ImportsClusterArn"]
    task_arn = task_of(cluster, import_id)

    # WHEN the execution is stopped
    client("stepfunctions").stop_execution(executionArn=arn)

    # THEN its task stops, and no importer process of it is left
    def stopped() -> dict | None:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
        return tasks[0] if tasks[0]["lastStatus"] == "STOPPED" else None

    task = wait_until(stopped, timeout=120, what="the task to stop")
    assert task["stopCode"] == "UserInitiated"
    assert not importer_processes(import_id)
