"""Names, events and records shared by the comms unit tests."""

from __future__ import annotations

import json
from typing import Any

import boto3

TABLE = "comms-communications"
QUEUE = "comms-queue"
DEAD_LETTER_QUEUE = "comms-dead-letter-queue"
SENDER = "communications@example.com"
CREDENTIALS_SECRET = "comms-service-credentials"
SIGNING_KEY_SECRET = "local-issuer/signing-key"
ISSUER = "http://127.0.0.1:4566/local-issuer"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:comms"

ENVIRONMENT = {
    "COMMS_COMMUNICATIONS_TABLE": TABLE,
    "COMMS_QUEUE_URL": f"https://sqs.us-east-1.amazonaws.com/123456789012/{QUEUE}",
    "COMMS_DEAD_LETTER_QUEUE_URL": (
        f"https://sqs.us-east-1.amazonaws.com/123456789012/{DEAD_LETTER_QUEUE}"
    ),
    "COMMS_SENDER_EMAIL": SENDER,
    "COMMS_REQUEUE_TTL_SECONDS": "5",
    "COMMS_MAX_QUEUE_ATTEMPTS": "3",
    "COMMS_MANUAL_THRESHOLD": "5",
    "COMMS_RETRY_STATE_MACHINE_ARN": STATE_MACHINE,
    "COMMS_RETRY_SCHEDULE": "rate(15 minutes)",
    "COMMS_RESEND_CONCURRENCY": "10",
    "COMMS_API_URL": "http://127.0.0.1:9/local",
    "COMMS_SERVICE_CREDENTIALS_SECRET": CREDENTIALS_SECRET,
    "COMMS_TOKEN_SIGNING_KEY_SECRET": SIGNING_KEY_SECRET,
    "COMMS_TOKEN_ISSUER": ISSUER,
    "COMMS_RESEND_TIMEOUT_SECONDS": "2",
}


def api_event(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    caller: str | None = "ops",
) -> dict:
    resource = path
    path_parameters = None
    parts = path.strip("/").split("/")
    if method == "POST" and len(parts) == 3 and parts[2] == "send":
        resource, path_parameters = "/communications/{id}/send", {"id": parts[1]}
    context: dict[str, Any] = {"resourcePath": resource, "httpMethod": method, "stage": "unit"}
    if caller:
        context["authorizer"] = {"principalId": caller, "subject": caller, "roles": "operator"}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": query,
        "pathParameters": path_parameters,
        "requestContext": {**context, "requestId": "unit"},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def sqs_event(*bodies: dict) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def put_communication(**fields: Any) -> dict:
    item = {
        "id": "c-1",
        "type": "email",
        "recipient": "customer@example.com",
        "subject": "Statement",
        "body": "Your statement is ready.",
        "createdBy": "ops",
        "created": "2026-11-29T12:00:00.000Z",
        "status": "QUEUED",
        "sent": 0,
        "attempts": 0,
        **fields,
    }
    boto3.resource("dynamodb").Table(TABLE).put_item(Item=item)
    return item


def record(communication_id: str) -> dict:
    from common.dynamodb import from_item

    return from_item(
        boto3.resource("dynamodb").Table(TABLE).get_item(Key={"id": communication_id})["Item"]
    )


def queued_messages(queue: str) -> list[dict]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    messages = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        batch = got.get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def emails_sent() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])
