"""A stack update reaches a role's inline policies as on AWS: a changed task definition is
replaced (a new revision, the old one deregistered) and the grant naming it by Ref names the
new one; a policy the template no longer declares is deleted
(localcloud/aws_behaviours/cfn_role_policies_update.py, localcloud/ecs/cfn_resources.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from devkit.local_cloud import client

TRUST_STEP_FUNCTIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _policy(name: str, action: str, resource) -> dict:
    return {
        "PolicyName": name,
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        },
    }


def _template(family: str, cpu: str, describes_tasks: bool) -> str:
    policies = [_policy("RunTheTask", "ecs:RunTask", {"Ref": "Task"})]
    if describes_tasks:
        policies.append(_policy("DescribeTasks", "ecs:DescribeTasks", "*"))
    container = {"Name": "main", "Image": "local-cloud-tests/importer:latest", "Essential": True}
    resources = {
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Family": family,
                "RequiresCompatibilities": ["FARGATE"],
                "NetworkMode": "awsvpc",
                "Cpu": cpu,
                "Memory": "512",
                "ContainerDefinitions": [container],
            },
        },
        "Runner": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": TRUST_STEP_FUNCTIONS, "Policies": policies},
        },
    }
    outputs = {"Task": {"Value": {"Ref": "Task"}}, "Runner": {"Value": {"Ref": "Runner"}}}
    return json.dumps({"Resources": resources, "Outputs": outputs})


def _deploy(cloudformation, name: str, template: str, action: str) -> dict[str, str]:
    getattr(cloudformation, f"{action}_stack")(StackName=name, TemplateBody=template)
    cloudformation.get_waiter(f"stack_{action}_complete").wait(
        StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 1200}
    )
    [stack] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def _inline_policies(role: str) -> dict[str, dict]:
    iam = client("iam")
    return {
        name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    }


@pytest.fixture
def stack(local_cloud) -> Iterator[str]:
    cloudformation = client("cloudformation")
    name = f"role-update-{uuid.uuid4().hex[:6]}"
    yield name
    cloudformation.delete_stack(StackName=name)
    cloudformation.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 1200}
    )


def test_a_changed_task_definition_is_replaced_and_the_grant_naming_it_follows(stack):
    cloudformation, ecs = client("cloudformation"), client("ecs")
    family = f"t-{uuid.uuid4().hex[:8]}"
    # GIVEN a role allowed to run a task definition
    before = _deploy(cloudformation, stack, _template(family, "256", True), "create")

    # WHEN the task definition changes, the role's template not
    after = _deploy(cloudformation, stack, _template(family, "512", True), "update")

    # THEN the task definition was replaced: a new revision, the old one deregistered
    assert after["Task"] != before["Task"]
    old = ecs.describe_task_definition(taskDefinition=before["Task"])["taskDefinition"]
    assert old["status"] == "INACTIVE"
    # AND the same role may now run the new revision
    assert after["Runner"] == before["Runner"]
    [statement] = _inline_policies(after["Runner"])["RunTheTask"]["Statement"]
    assert statement["Resource"] == after["Task"]


def test_a_policy_the_template_no_longer_declares_is_deleted(stack):
    cloudformation = client("cloudformation")
    family = f"t-{uuid.uuid4().hex[:8]}"
    # GIVEN a role allowed to run a task definition, and to describe tasks
    before = _deploy(cloudformation, stack, _template(family, "256", True), "create")
    assert set(_inline_policies(before["Runner"])) == {"RunTheTask", "DescribeTasks"}

    # WHEN the role no longer declares DescribeTasks
    after = _deploy(cloudformation, stack, _template(family, "256", False), "update")

    # THEN the same role keeps the one it declares, and no longer the other
    assert after["Runner"] == before["Runner"]
    assert set(_inline_policies(after["Runner"])) == {"RunTheTask"}
