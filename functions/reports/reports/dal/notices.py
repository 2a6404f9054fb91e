"""The requester's email (SES) and the report events (SNS)."""

from __future__ import annotations

import json

from common.aws import client


def send_email(sender: str, recipient: str, subject: str, text: str) -> str:
    return client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [recipient]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )["MessageId"]


def publish(topic_arn: str, event: dict) -> str:
    """An event without personal data (ids, counts, status), filterable by its type."""
    return client("sns").publish(
        TopicArn=topic_arn,
        Message=json.dumps(event),
        MessageAttributes={"eventType": {"DataType": "String", "StringValue": event["type"]}},
    )["MessageId"]
