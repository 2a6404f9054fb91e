"""The task role's credentials, as the container credentials endpoint gives them on AWS.

A task with a role gets `AWS_CONTAINER_CREDENTIALS_FULL_URI` (this route on the gateway, a
loopback address botocore accepts) and `AWS_CONTAINER_AUTHORIZATION_TOKEN` (a secret of that
task, so no other process can take its credentials). Each call is an STS AssumeRole of the task
role with the task's id as its session name, so SDKs refresh them as on AWS. ECS assumes it as
`ecs-tasks.amazonaws.com` for the task (aws:SourceArn, aws:SourceAccount), so IAM enforcement
judges it under the role's trust policy as AWS does; a refusal is the endpoint's error, which
the SDK in the container raises as it would on AWS.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from werkzeug import Request, Response

PATH = "/_localcloud/ecs/credentials"


ECS_TASKS = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True)
class TaskRole:
    role_arn: str
    token: str
    task_arn: str
    account: str
    region: str


_roles: dict[str, TaskRole] = {}
_lock = threading.Lock()
_route_added = False


def url(task_id: str) -> str:
    from localstack import config

    return f"{config.external_service_url()}{PATH}/{task_id}"


def register(task_id: str, role_arn: str, token: str, task_arn: str) -> None:
    _, _, _, region, account, _ = task_arn.split(":", 5)
    with _lock:
        _roles[task_id] = TaskRole(role_arn, token, task_arn, account, region)


def forget(task_id: str) -> None:
    with _lock:
        _roles.pop(task_id, None)


def serve() -> None:
    """Add the route to LocalStack's gateway (once)."""
    global _route_added
    from localstack.services.edge import ROUTER

    with _lock:
        if not _route_added:
            ROUTER.add(f"{PATH}/<task_id>", endpoint=_credentials, methods=["GET"])
            _route_added = True


def _credentials(request: Request, task_id: str) -> Response:
    with _lock:
        role = _roles.get(task_id)
    if role is None or request.headers.get("Authorization") != role.token:
        return Response('{"message": "no such task credentials"}', 403, mimetype="application/json")
    from botocore.exceptions import ClientError
    from localstack.aws.connect import connect_to

    sts = connect_to(aws_access_key_id=role.account, region_name=role.region).sts
    sts = sts.request_metadata(service_principal=ECS_TASKS, source_arn=role.task_arn)
    try:
        assumed = sts.assume_role(RoleArn=role.role_arn, RoleSessionName=task_id)["Credentials"]
    except ClientError as refused:
        error = refused.response["Error"]
        body = {"code": error.get("Code"), "message": error.get("Message")}
        return Response(json.dumps(body), 403, mimetype="application/json")
    body = {
        "AccessKeyId": assumed["AccessKeyId"],
        "SecretAccessKey": assumed["SecretAccessKey"],
        "Token": assumed["SessionToken"],
        "Expiration": assumed["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RoleArn": role.role_arn,
    }
    return Response(json.dumps(body), 200, mimetype="application/json")
