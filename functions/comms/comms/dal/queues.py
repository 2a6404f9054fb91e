"""The communications queue and its dead-letter queue."""

from __future__ import annotations

import json

from common.aws import client
from comms.models import SendRequest


def enqueue(queue_url: str, request: SendRequest, delay_seconds: int = 0) -> None:
    client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(request.model_dump(), separators=(",", ":")),
        DelaySeconds=delay_seconds,
    )
