"""Authorizers and a backend for the local cloud's API Gateway tests (test data).

TOKEN authorizer, by the token after "Bearer ":
  allow-<id>    Allow on every method of the API, context {user, tier: 3, admin: true, ...}
  exact-<id>    Allow on this request's method ARN only
  deny-<id>     an explicit Deny
  elsewhere-<id> Allow on another API only (no statement matches: implicit deny)
  unauthorized-<id> raises "Unauthorized"
  boom-<id>     raises another error
  nested-<id>   Allow, with a nested object in the context (API Gateway refuses that)
REQUEST authorizer: Allow when the X-Tenant header is "acme", else Deny; principalId is the
`user` query string parameter.
"""

import json
import os
import uuid

import boto3

calls = boto3.resource("dynamodb").Table(os.environ["CALLS_TABLE"])


def _count(identity: str) -> None:
    calls.update_item(
        Key={"identity": identity},
        UpdateExpression="ADD calls :one",
        ExpressionAttributeValues={":one": 1},
    )


def _policy(effect: str, resource: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def token_authorizer(event, context):
    token = event["authorizationToken"].removeprefix("Bearer ")
    _count(token)
    kind, _, name = token.partition("-")
    arn = event["methodArn"]
    api_arn = arn.split("/")[0]  # arn:aws:execute-api:region:account:apiId
    answer = {
        "principalId": name,
        "context": {
            "user": name,
            "tier": 3,
            "admin": True,
            "eventType": event["type"],
            "methodArn": arn,
            "invocation": uuid.uuid4().hex,
        },
    }
    match kind:
        case "allow" | "nested":
            answer["policyDocument"] = _policy("Allow", f"{api_arn}/*/*")
            if kind == "nested":
                answer["context"]["claims"] = {"nested": "object"}
        case "exact":
            answer["policyDocument"] = _policy("Allow", arn)
        case "deny":
            answer["policyDocument"] = _policy("Deny", f"{api_arn}/*")
        case "elsewhere":
            answer["policyDocument"] = _policy("Allow", "arn:aws:execute-api:*:*:another/*")
        case "unauthorized":
            raise Exception("Unauthorized")  # the message API Gateway maps to 401
        case _:
            raise RuntimeError("the authorizer broke")
    return answer


def request_authorizer(event, context):
    tenant = event["headers"].get("X-Tenant") or event["headers"].get("x-tenant")
    user = event["queryStringParameters"]["user"]
    _count(f"{tenant}:{user}")
    effect = "Allow" if tenant == "acme" else "Deny"
    return {
        "principalId": user,
        "policyDocument": _policy(effect, event["methodArn"]),
        "context": {
            "tenant": tenant,
            "eventType": event["type"],
            "resource": event["resource"],
            "path": event["path"],
            "httpMethod": event["httpMethod"],
            "stage": event["requestContext"]["stage"],
        },
    }


def echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(
            {"path": event["path"], "authorizer": event["requestContext"].get("authorizer")}
        ),
    }
