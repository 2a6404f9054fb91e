"""Each function's role grants only what its code calls: every action its policies name (SAM
policy templates expanded as SAM expands them, and statements) is one the function's own modules
call for (found by the same static scan as the IAM mappings), or one named below with why.
A role that regains a grant its code never uses (a SAM template's extra Scan, PutObjectAcl or
PutLifecycleConfiguration) fails here, named."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest
import samtranslator

from localcloud.iam.actions import IAM_PREFIX
from support.template import load_template
from unit.localcloud.iam.test_project_calls import PROJECT, calls_in

RESOURCES = load_template()["Resources"]
COMMON = PROJECT / "functions" / "common"
# Operations whose IAM action is not named after them.
ACTIONS_OF = {
    ("s3", "HeadObject"): ["s3:GetObject"],
    ("s3", "DeleteObjects"): ["s3:DeleteObject"],
    ("s3", "CopyObject"): ["s3:GetObject", "s3:PutObject"],
    ("s3", "CreateMultipartUpload"): ["s3:PutObject"],
    ("s3", "UploadPart"): ["s3:PutObject"],
    ("s3", "CompleteMultipartUpload"): ["s3:PutObject"],
    ("s3", "ListObjectsV2"): ["s3:ListBucket"],
    ("sqs", "SendMessageBatch"): ["sqs:SendMessage"],
    ("sqs", "DeleteMessageBatch"): ["sqs:DeleteMessage"],
}
# Calls a library makes when a module uses it (beyond the IAM mappings' own list).
LIBRARY_ACTIONS = {"get_secret": "secretsmanager:GetSecretValue"}  # Powertools parameters
# Grants no call names, each with its reason.
NEEDED_WITHOUT_A_CALL = {
    # HeadObject on a removed (expired) report answers 404 only with ListBucket, else 403.
    ("ReportsApiFunction", "s3:ListBucket"),
    # A run reads the version that was uploaded: GetObject with a VersionId.
    ("PayrollProcessDataFunction", "s3:GetObjectVersion"),
    # The quick check reads the version whose upload started the import.
    ("ImportsQuickCheckFunction", "s3:GetObjectVersion"),
}


@cache
def sam_policy_templates() -> dict:
    path = Path(samtranslator.__file__).parent / "policy_templates_data" / "policy_templates.json"
    return json.loads(path.read_text())["Templates"]


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


def granted(function: str) -> set[str]:
    actions = set()
    for policy in RESOURCES[function]["Properties"].get("Policies") or []:
        [(name, value)] = policy.items()
        statements = (
            listed(value)
            if name == "Statement"
            else sam_policy_templates()[name]["Definition"]["Statement"]
        )
        actions |= {a for s in statements if s["Effect"] == "Allow" for a in listed(s["Action"])}
    return actions


def module_file(root: Path, dotted: str) -> Path | None:
    path = root.joinpath(*dotted.split("."))
    return next((f for f in (path.with_suffix(".py"), path / "__init__.py") if f.exists()), None)


@cache
def modules_of(function: str) -> set[Path]:
    """The handler's module and every module of the project it imports, however deep."""
    properties = RESOURCES[function]["Properties"]
    root = PROJECT / properties["CodeUri"].removeprefix("../../")
    found, pending = set(), [module_file(root, properties["Handler"].rsplit(".", 1)[0])]
    while pending:
        module = pending.pop()
        if module in found:
            continue
        found.add(module)
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            pending += [m for n in names for r in (root, COMMON) if (m := module_file(r, n))]
    return found


@cache
def calls_of(module: Path) -> set[tuple[str, str]]:
    return calls_in(module.read_text())


@cache
def needed(function: str) -> set[str]:
    actions = set()
    for module in modules_of(function):
        source = module.read_text()
        for service, operation in calls_of(module):
            default = [f"{IAM_PREFIX.get(service, service)}:{operation}"]
            actions |= set(ACTIONS_OF.get((service, operation), default))
        actions |= {a for name, a in LIBRARY_ACTIONS.items() if re.search(rf"\b{name}\(", source)}
    return actions | {a for f, a in NEEDED_WITHOUT_A_CALL if f == function}


FUNCTIONS = sorted(n for n, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_role_grants_only_what_its_code_calls(function):
    unused = sorted(granted(function) - needed(function))
    assert not unused, f"{function}Role grants what its code never calls: {unused}"


def test_the_scan_sees_a_functions_calls_through_its_imports():
    # The payroll trigger starts executions through the toolkit's stepfunctions module.
    assert "states:StartExecution" in needed("PayrollStartFunction")
    assert "secretsmanager:GetSecretValue" in needed("ApprovalDecisionFunction")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_role_sends_email_only_from_its_workflows_sender(function):
    for policy in RESOURCES[function]["Properties"].get("Policies") or []:
        for statement in listed(policy.get("Statement", [])):
            if any(a.startswith("ses:") for a in listed(statement["Action"])):
                resource = " ".join(listed(statement["Resource"]))
                assert "identity/*" not in resource and "SenderEmail}" in resource, resource


# The importer (containers/importer/) is one program whose modules share the clients its entry
# point makes: its calls are those of all its modules read as one.
IMPORTER = PROJECT / "containers" / "importer" / "importer"
FUTURE_IMPORT = re.compile(r"^from __future__ import .*$", re.MULTILINE)


def importer_needs() -> set[str]:
    program = "\n".join(FUTURE_IMPORT.sub("", m.read_text()) for m in IMPORTER.rglob("*.py"))
    actions = set()
    for service, operation in calls_in(program):
        default = [f"{IAM_PREFIX.get(service, service)}:{operation}"]
        actions |= set(ACTIONS_OF.get((service, operation), default))
    # It reads the version whose upload started the import (GetObject with a VersionId).
    return actions | {"s3:GetObjectVersion"}


def role_grants(role: str) -> set[str]:
    return {
        action
        for policy in RESOURCES[role]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
        for action in listed(s["Action"])
    }


def test_the_import_tasks_role_grants_only_what_the_importer_calls():
    assert role_grants("ImportsTaskRole") == importer_needs()


def test_ecs_own_role_for_the_import_task_grants_what_aws_documents():
    # Pull the image from ECR and write the awslogs stream ("Amazon ECS task execution IAM
    # role"): the AmazonECSTaskExecutionRolePolicy's actions, on the task's own resources.
    assert role_grants("ImportsTaskExecutionRole") == {
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
