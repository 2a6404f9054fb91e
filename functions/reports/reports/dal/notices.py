"""The report events (SNS)."""

from __future__ import annotations

import json

from common.aws import client


def publish(topic_arn: str, event: dict) -> str:
    """An event without personal data (ids, counts, status), filterable by its type."""
    return client("sns").publish(
        TopicArn=topic_arn,
        Message=json.dumps(event),
        MessageAttributes={"eventType": {"DataType": "String", "StringValue": event["type"]}},
    )["MessageId"]
