"""The ECS task behind each `ecs:runTask` attempt: what DescribeTasks shows, and its log lines.

Step Functions' history names the task it started (TaskSubmitted's output is RunTask's answer)
and, once it stopped, the task as it ended (the attempt's output or cause). The console reads
the task itself from ECS, which knows it while it runs, and each container's lines from the
stream its `awslogs` options name (`<prefix>/<container>/<task id>`), so a retried state shows
every attempt's own task.
"""

from __future__ import annotations

import datetime
import json
import logging

from localcloud.console import graph, history

LOG = logging.getLogger(__name__)
# The page shows the first lines of a long import; the rest stay in CloudWatch Logs.
MAX_LOG_LINES = 500


def task_arn(attempt: history.Attempt) -> str | None:
    """The task an attempt started: from RunTask's answer, else from the task it ended with."""
    for text in (attempt.submitted, attempt.output, attempt.cause):
        shown = _json_object(text)
        tasks = shown.get("Tasks") or [shown]
        arn = tasks[0].get("TaskArn") if isinstance(tasks[0], dict) else None
        if arn:
            return arn
    return None


def recorded_task(attempt: history.Attempt) -> dict | None:
    """The task as Step Functions recorded it when it stopped (the attempt's output or cause),
    in DescribeTasks' shape: for a task ECS no longer describes (it keeps them an hour)."""
    for text in (attempt.output, attempt.cause):
        shown = _json_object(text)
        if shown.get("TaskArn"):
            return _described_shape(shown)
    return None


def _json_object(text: str | None) -> dict:
    try:
        shown = json.loads(text or "")
    except ValueError:
        return {}
    return shown if isinstance(shown, dict) else {}


def _described_shape(value, key: str = ""):
    """Step Functions' PascalCase copy of a task -> DescribeTasks' camelCase, dates as dates."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _described_shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_described_shape(v) for v in value]
    if key.endswith("At") and isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value / 1000, datetime.UTC)
    if key.endswith("At") and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def attach_tasks(path: history.Path, client) -> None:
    """Give each `ecs:runTask` attempt its task and its containers' log lines.
    `client(service)` makes a client of the execution's account and region."""
    ecs = None
    for visit in path.visits:
        for attempt in visit.attempts:
            service, action, _ = graph.integration(attempt.resource)
            arn = task_arn(attempt) if (service, action) == ("ecs", "runTask") else None
            if not arn:
                continue
            ecs = ecs or client("ecs")
            attempt.task = _described(ecs, arn) or recorded_task(attempt)
            if attempt.task:
                _attach_logs(attempt.task, ecs, client("logs"))


def _described(ecs, arn: str) -> dict | None:
    cluster = arn.split(":task/", 1)[-1].split("/", 1)[0]
    try:
        found = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"]
    except Exception as error:
        LOG.debug("could not describe task %s: %s", arn, error)
        return None
    return found[0] if found else None


def _attach_logs(task: dict, ecs, logs) -> None:
    """Each container of the task gets `logGroup`, `logStream` and `logs` (its first lines)."""
    if not task.get("taskDefinitionArn"):
        return
    try:
        definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])
    except Exception as error:
        LOG.debug("no task definition for %s: %s", task["taskArn"], error)
        return
    by_name = {c["name"]: c for c in definition["taskDefinition"]["containerDefinitions"]}
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    for container in task.get("containers", []):
        configuration = by_name.get(container["name"], {}).get("logConfiguration") or {}
        if configuration.get("logDriver") != "awslogs":
            continue
        options = configuration.get("options", {})
        prefix = options.get("awslogs-stream-prefix")
        container["logGroup"] = options.get("awslogs-group")
        container["logStream"] = f"{prefix}/{container['name']}/{task_id}" if prefix else task_id
        container["logs"] = _first_lines(logs, container["logGroup"], container["logStream"])


def _first_lines(logs, group: str, stream: str) -> list[str]:
    try:
        events = logs.get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True, limit=MAX_LOG_LINES
        )["events"]
    except Exception as error:  # no stream yet: the task has not started its containers
        LOG.debug("no log lines in %s %s: %s", group, stream, error)
        return []
    return [event["message"] for event in events]
