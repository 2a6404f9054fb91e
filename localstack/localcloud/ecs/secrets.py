"""A container definition's `secrets`: read from Secrets Manager or Parameter Store when the
task starts, as ECS's agent reads them with the task's execution role."""

from __future__ import annotations

import json


class SecretNotRead(Exception):
    """The secret or parameter is missing, or the JSON key is not in it."""


def secret_value(value_from: str, account: str, region: str) -> str:
    from botocore.exceptions import ClientError
    from localstack.aws.connect import connect_to

    clients = connect_to(aws_access_key_id=account, region_name=region)
    try:
        if value_from.startswith("arn:aws:secretsmanager:"):
            return _secrets_manager_value(clients.secretsmanager, value_from)
        # A parameter's ARN or its name.
        name = value_from.split(":parameter", 1)[1] if ":parameter" in value_from else value_from
        return clients.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as error:
        raise SecretNotRead(error.response["Error"]["Code"]) from None


def _secrets_manager_value(secretsmanager, value_from: str) -> str:
    """`arn:...:secret:<name>[:<json key>:<version stage>:<version id>]`"""
    parts = value_from.split(":")
    secret_id = ":".join(parts[:7])
    json_key, stage, version = ([*parts[7:], "", "", ""])[:3]
    request = {"SecretId": secret_id}
    if stage:
        request["VersionStage"] = stage
    if version:
        request["VersionId"] = version
    text = secretsmanager.get_secret_value(**request)["SecretString"]
    if not json_key:
        return text
    try:
        return str(json.loads(text)[json_key])
    except (ValueError, KeyError, TypeError):
        raise SecretNotRead(f"no key {json_key!r} in the secret's JSON") from None
