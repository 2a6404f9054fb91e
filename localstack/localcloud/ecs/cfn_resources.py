"""AWS::ECS::Cluster and AWS::ECS::TaskDefinition in CloudFormation (the community build has no
provider for either), made through the ECS API (`provider.py`).

A cluster's Ref is its name and `Arn` its ARN; a task definition's Ref is its ARN (a revision).
A changed task definition is replaced, as on AWS (its properties but Tags are create-only): a
new revision is registered, the old one deregistered, and what names it by Ref (a state
machine's grant to run it) is updated with the new ARN. Properties are CloudFormation's
PascalCase; the ECS API takes the same in camelCase (`awslogs-group` and other option names
unchanged).
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)

# Maps whose keys are names the user chose, kept as written.
USER_KEYED = {"Options", "DockerLabels", "SecretOptions"}


def camel_case(value, keep_keys: bool = False):
    if isinstance(value, list):
        return [camel_case(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        (key if keep_keys else key[:1].lower() + key[1:]): camel_case(v, key in USER_KEYED)
        for key, v in value.items()
    }


def done(model: dict) -> ProgressEvent:
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


class ClusterProvider(ResourceProvider[dict]):
    TYPE = "AWS::ECS::Cluster"
    SCHEMA: ClassVar[dict] = {
        "typeName": TYPE,
        "primaryIdentifier": ["/properties/ClusterName"],
        "readOnlyProperties": ["/properties/Arn"],
    }

    def create(self, request) -> ProgressEvent:
        model = request.desired_state
        model.setdefault("ClusterName", f"{request.stack_name}-{request.logical_resource_id}"[:255])
        request_tags = [{"key": t["Key"], "value": t["Value"]} for t in model.get("Tags", [])]
        cluster = request.aws_client_factory.ecs.create_cluster(
            clusterName=model["ClusterName"], **({"tags": request_tags} if request_tags else {})
        )["cluster"]
        model["Arn"] = cluster["clusterArn"]
        return done(model)

    def read(self, request) -> ProgressEvent:
        return done(request.desired_state)

    def update(self, request) -> ProgressEvent:
        model = {**request.desired_state}
        model["ClusterName"] = request.previous_state["ClusterName"]
        model["Arn"] = request.previous_state["Arn"]
        return done(model)

    def delete(self, request) -> ProgressEvent:
        model = request.previous_state or request.desired_state
        ecs = request.aws_client_factory.ecs
        with contextlib.suppress(ecs.exceptions.ClusterNotFoundException):
            ecs.delete_cluster(cluster=model["ClusterName"])
        return done(model)


# AWS::ECS::TaskDefinition's properties that only a replacement changes (all but Tags).
TASK_DEFINITION_CREATE_ONLY = (
    "ContainerDefinitions",
    "Cpu",
    "EnableFaultInjection",
    "EphemeralStorage",
    "ExecutionRoleArn",
    "Family",
    "InferenceAccelerators",
    "IpcMode",
    "Memory",
    "NetworkMode",
    "PidMode",
    "PlacementConstraints",
    "ProxyConfiguration",
    "RequiresCompatibilities",
    "RuntimePlatform",
    "TaskRoleArn",
    "Volumes",
)


class TaskDefinitionProvider(ResourceProvider[dict]):
    TYPE = "AWS::ECS::TaskDefinition"
    SCHEMA: ClassVar[dict] = {
        "typeName": TYPE,
        "primaryIdentifier": ["/properties/TaskDefinitionArn"],
        "readOnlyProperties": ["/properties/TaskDefinitionArn"],
        "createOnlyProperties": [f"/properties/{name}" for name in TASK_DEFINITION_CREATE_ONLY],
    }

    def create(self, request) -> ProgressEvent:
        model = request.desired_state
        settings = camel_case({k: v for k, v in model.items() if k != "TaskDefinitionArn"})
        settings.setdefault("family", f"{request.stack_name}-{request.logical_resource_id}")
        if "tags" in settings:
            settings["tags"] = [{"key": t["key"], "value": t["value"]} for t in settings["tags"]]
        registered = request.aws_client_factory.ecs.register_task_definition(**settings)
        model["TaskDefinitionArn"] = registered["taskDefinition"]["taskDefinitionArn"]
        return done(model)

    def read(self, request) -> ProgressEvent:
        return done(request.desired_state)

    def update(self, request) -> ProgressEvent:
        """Tags alone (the rest replaces the task definition): the revision stays."""
        model = {**request.desired_state}
        model["TaskDefinitionArn"] = request.previous_state["TaskDefinitionArn"]
        return done(model)

    def delete(self, request) -> ProgressEvent:
        model = request.previous_state or request.desired_state
        if arn := model.get("TaskDefinitionArn"):
            ecs = request.aws_client_factory.ecs
            with contextlib.suppress(ecs.exceptions.ClientException):  # already gone
                ecs.deregister_task_definition(taskDefinition=arn)
        return done(model)


class ClusterPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ECS::Cluster"

    def load(self):
        self.factory = ClusterProvider


class TaskDefinitionPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ECS::TaskDefinition"

    def load(self):
        self.factory = TaskDefinitionProvider
