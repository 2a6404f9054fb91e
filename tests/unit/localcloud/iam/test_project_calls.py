"""Every AWS call the workflows' code makes and every service integration their state machines
use has an IAM mapping: a new call without one fails here, named. The calls are found by a
static scan: the services a module makes clients of, and the names it calls (or hands to
getattr or generate_presigned_url) that are operations of those services."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from localcloud.iam.actions import is_mapped
from localcloud.iam.integrations import is_mapped_task

PROJECT = Path(__file__).resolve().parents[4]
# What else calls the local cloud: the tests that run against it, the dev tools, the benchmarks.
TOOLS = ["tests/e2e", "tests/local_cloud", "tests/support", "scripts/devkit", "bench"]
# Services only deploys and test set-ups call, as the account's root (never judged).
ROOT_ONLY = {
    "cloudformation": "stacks are deployed as root",
    "apigateway": "API keys and usage plans are set up by tests as root",
    "iam": "roles, users and policies are set up by tests, and read by make iam-report, as root",
}
# Calls the scan finds that are not (or not meant to be) mapped, each with why.
NOT_MAPPED = {
    ("sqs", "ListQueueTags"): "test_iam_enforcement shows an unmapped call is allowed, journalled",
    # Secrets Manager's put_resource_policy, in a module that also makes these services' clients.
    ("lambda", "PutResourcePolicy"): "not called: the scan's guess",
    ("dynamodb", "PutResourcePolicy"): "not called: the scan's guess",
    ("lambda", "AddPermission"): "test_iam_enforcement sets a function's policy as root",
    # Lambda's add_permission, in a module that also makes these services' clients.
    ("sns", "AddPermission"): "not called: the scan's guess",
    ("sqs", "AddPermission"): "not called: the scan's guess",
}
# Modules whose every call is made as the account's root (never judged): what they test is judged
# elsewhere, so their set-up calls need no mapping.
ROOT_ONLY_MODULES = {
    "tests/local_cloud/test_iam_services.py": "fixtures built as root; the services are judged",
    "tests/local_cloud/test_iam_policies.py": "fixtures built as root; the sessions' KMS calls "
    "and the services are judged",
}
# Calls a library makes for the project when the module uses it.
LIBRARY_CALLS = {
    "DynamoDBPersistenceLayer": [
        ("dynamodb", operation) for operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
    ],
}
# The resource layer's Table methods that are not named after their operation.
TABLE_METHODS = {"batch_writer": "BatchWriteItem"}


@cache
def _operations(service: str) -> dict[str, str]:
    """`send_message` -> `SendMessage`, for every operation of the service."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def _services(tree: ast.AST) -> set[str]:
    """Services a module makes clients of: client("s3"), boto3.client("s3"), table(name)."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        first = node.args[0] if node.args else None
        if name in ("client", "resource") and isinstance(first, ast.Constant):
            found.add(first.value)
        if name in ("table", "Table"):
            found.add("dynamodb")
    return found


def _names(tree: ast.AST) -> set[str]:
    """Names called as methods, and strings (getattr(client, "send_task_success"))."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.add(node.func.attr)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        if isinstance(node, ast.Name | ast.Attribute):
            found.add(node.id if isinstance(node, ast.Name) else node.attr)
    return found


def calls_in(source: str) -> set[tuple[str, str]]:
    tree = ast.parse(source)
    names = _names(tree)
    found = set()
    for service in _services(tree):
        operations = _operations(service)
        if service == "dynamodb":
            operations = {**operations, **TABLE_METHODS}
        found |= {(service, operations[name]) for name in names if name in operations}
    for library, calls in LIBRARY_CALLS.items():
        if library in names:
            found |= set(calls)
    return found


@cache
def project_calls(*folders: str) -> dict[tuple[str, str], list[str]]:
    """Each call, with the modules that make it."""
    found: dict[tuple[str, str], list[str]] = {}
    for folder in folders:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            if str(path.relative_to(PROJECT)) in ROOT_ONLY_MODULES:
                continue
            for call in calls_in(path.read_text()):
                found.setdefault(call, []).append(str(path.relative_to(PROJECT)))
    return found


def task_resources() -> Iterator[tuple[str, str]]:
    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            if node.get("Type") == "Task":
                yield node["Resource"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for path in sorted((PROJECT / "statemachine").glob("*.asl.json")):
        # A number left to DefinitionSubstitutions (`"MaxConcurrency": ${Limit}`) is no JSON yet.
        text = re.sub(r":\s*\$\{\w+\}", ": 0", path.read_text())
        for resource in walk(json.loads(text)):
            yield path.name, resource


def test_the_scan_finds_calls_made_each_way() -> None:
    # A method on a client, a Table method, a batch writer, getattr, a presigned URL, a library.
    found = project_calls("functions")
    for call in [
        ("sqs", "SendMessage"),
        ("dynamodb", "Query"),
        ("dynamodb", "BatchWriteItem"),
        ("stepfunctions", "SendTaskSuccess"),
        ("s3", "GetObject"),
        ("dynamodb", "DeleteItem"),
        ("ses", "SendEmail"),
    ]:
        assert call in found


def test_the_scan_names_a_call_in_new_code() -> None:
    source = 'from common.aws import client\n\nclient("sqs").purge_queue(QueueUrl=url)\n'
    assert calls_in(source) == {("sqs", "PurgeQueue")}


@pytest.mark.parametrize("call", sorted(project_calls("functions")), ids=":".join)
def test_every_call_in_the_functions_is_mapped(call: tuple[str, str]) -> None:
    where = project_calls("functions")[call]
    assert is_mapped(*call), f"{call[0]}:{call[1]} (in {where}) has no IAM mapping"


@pytest.mark.parametrize(
    "call",
    sorted(
        call
        for call in project_calls(*TOOLS)
        if call[0] not in ROOT_ONLY and call not in NOT_MAPPED
    ),
    ids=":".join,
)
def test_every_call_the_tests_and_tools_make_is_mapped(call: tuple[str, str]) -> None:
    where = project_calls(*TOOLS)[call]
    assert is_mapped(*call), f"{call[0]}:{call[1]} (in {where}) has no IAM mapping"


@pytest.mark.parametrize(
    "task", sorted(set(task_resources())), ids=lambda task: f"{task[0]} {task[1]}"
)
def test_every_state_machine_integration_is_mapped(task: tuple[str, str]) -> None:
    machine, resource = task
    assert is_mapped_task(resource), f"{resource} (in {machine}) has no IAM mapping"
