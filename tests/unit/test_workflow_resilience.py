"""Every workflow's tasks, read from statemachine/*.asl.json beside template.yaml: a task that
calls SNS, SES, DynamoDB or an HTTP API (itself, or through its function) retries transient
errors with backoff and full jitter, and no task gives up before its function could finish."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.local_cloud import PROJECT
from support.template import load_template

ASL_FILES = sorted((PROJECT / "statemachine").glob("*.asl.json"))
# Service integrations that reach SNS, SES, DynamoDB or an HTTP API.
CALLING_INTEGRATIONS = re.compile(
    r"^arn:aws:states:::(?:aws-sdk:)?(?:sns|ses|sesv2|dynamodb|http|apigateway)[:.]"
)
# What, in a function's policies or settings, says it calls one of those.
CALLING_FUNCTION = re.compile(
    r"DynamoDB|dynamodb:|SNSPublish|sns:|SES|ses:|Idempotency|_URL\b", re.IGNORECASE
)


def tasks(states: dict, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every Task state, nested ones (Map, Parallel) included, with its path."""
    for name, state in states.items():
        where = f"{path}{name}"
        if state["Type"] == "Task":
            yield where, state
        for processor in (state.get("ItemProcessor"), state.get("Iterator")):
            if processor:
                yield from tasks(processor["States"], f"{where}/")
        for branch in state.get("Branches", []):
            yield from tasks(branch["States"], f"{where}/")


def machine_of(asl_file: Path) -> dict:
    """The template's state machine whose DefinitionUri is this file."""
    resources = load_template()["Resources"]
    [machine] = [
        resource["Properties"]
        for resource in resources.values()
        if resource["Type"] == "AWS::Serverless::StateMachine"
        # (relative to the template that holds it: ../../statemachine/ from a workflow's own)
        and Path(resource["Properties"].get("DefinitionUri", "")).name == asl_file.name
    ]
    return machine


def function_of(task: dict, substitutions: dict) -> tuple[str, dict] | None:
    """(logical id, resource) of the function a Lambda task invokes, or None."""
    target = task["Resource"]
    if target.startswith("arn:aws:states:::lambda:invoke"):
        target = task.get("Parameters", {}).get("FunctionName", "")
    found = re.fullmatch(r"\$\{(\w+)\}", target)
    if not found:
        return None
    value = substitutions.get(found.group(1))
    if not (isinstance(value, str) and value.endswith(".Arn")):
        return None
    logical_id = value.removesuffix(".Arn")
    resource = load_template()["Resources"].get(logical_id, {})
    return (logical_id, resource) if resource.get("Type") == "AWS::Serverless::Function" else None


def function_timeout(function: dict) -> int:
    default = load_template()["Globals"]["Function"].get("Timeout", 3)
    return int(function["Properties"].get("Timeout", default))


def calls_a_service(function: dict) -> bool:
    properties = function["Properties"]
    said = json.dumps([properties.get("Policies", []), properties.get("Environment", {})])
    return bool(CALLING_FUNCTION.search(said))


def every_task() -> Iterator[tuple[str, str, dict, tuple[str, dict] | None]]:
    for asl_file in ASL_FILES:
        # A bare substitution (a number, e.g. a Map's MaxConcurrency) is filled to parse.
        text = re.sub(r"(?<=: )\$\{\w+\}", "1", asl_file.read_text())
        definition = json.loads(text)
        substitutions = machine_of(asl_file).get("DefinitionSubstitutions", {})
        for path, task in tasks(definition["States"]):
            yield asl_file.name, path, task, function_of(task, substitutions)


TASKS = list(every_task())
IDS = [f"{file}:{path}" for file, path, _, _ in TASKS]


def jittered_retry(task: dict) -> dict | None:
    """A Retry entry that retries (MaxAttempts > 0) with backoff and full jitter."""
    return next(
        (
            retry
            for retry in task.get("Retry", [])
            if retry.get("MaxAttempts", 3) > 0
            and retry.get("BackoffRate", 2.0) > 1
            and retry.get("JitterStrategy") == "FULL"
        ),
        None,
    )


def test_every_workflow_is_read():
    assert {file for file, *_ in TASKS} == {path.name for path in ASL_FILES}
    assert len(ASL_FILES) >= 5


def calls_transiently_failing_service(task: dict, function: tuple[str, dict] | None) -> bool:
    direct = bool(CALLING_INTEGRATIONS.match(task["Resource"]))
    return direct or (function is not None and calls_a_service(function[1]))


CALLING_TASKS = [entry for entry in TASKS if calls_transiently_failing_service(*entry[2:])]


def test_the_tasks_that_call_services_are_found():
    # The publish, record and send steps are among them (a broken finder would find none).
    assert len(CALLING_TASKS) >= 10
    assert any(CALLING_INTEGRATIONS.match(task["Resource"]) for *_, task, _ in CALLING_TASKS)


@pytest.mark.parametrize(
    ("file", "path", "task", "function"),
    CALLING_TASKS,
    ids=[f"{file}:{path}" for file, path, _, _ in CALLING_TASKS],
)
def test_a_task_that_calls_a_service_retries_with_backoff_and_full_jitter(
    file, path, task, function
):
    assert jittered_retry(task), f"{file}:{path} has no Retry with backoff and JitterStrategy FULL"


@pytest.mark.parametrize(("file", "path", "task", "function"), TASKS, ids=IDS)
def test_a_task_waits_at_least_as_long_as_its_function_may_run(file, path, task, function):
    callback = task["Resource"].endswith(".waitForTaskToken")
    # A callback wait's bound may come from the input (a person's decision window).
    assert "TimeoutSeconds" in task or (callback and "TimeoutSecondsPath" in task), (
        f"{file}:{path} has no TimeoutSeconds"
    )
    if isinstance(task.get("TimeoutSeconds"), str):
        # A JSONata expression (a review window in hours): only a callback wait may use one.
        assert callback, f"{file}:{path}: a computed TimeoutSeconds on a task that runs a function"
    elif function is not None and "TimeoutSeconds" in task:
        logical_id, resource = function
        assert task["TimeoutSeconds"] >= function_timeout(resource), (
            f"{file}:{path} times out after {task['TimeoutSeconds']} s, "
            f"before {logical_id} (Timeout {function_timeout(resource)} s)"
        )
