"""Rejected applications: records that can never become an execution, with why.

The raw record is kept for a person to look at, with its reason, in the rejected-applications
bucket (encrypted with the stack's key in AWS stages); the queue message carries the reason, where
the record came from and a pointer to it, never the record (it may be personal data).
"""

from __future__ import annotations

import json

from common.aws import client

PREFIX = "rejected/"


def record_key(source: dict[str, str]) -> str:
    """One object per stream record: a redelivered record overwrites its own copy."""
    shard = source["eventId"].split(":", 1)[0]
    return f"{PREFIX}{shard}/{source['sequenceNumber']}.json"


def reject(
    bucket: str, queue_url: str, data: str, reason: list[str], source: dict[str, str]
) -> None:
    """Keep the record (base64, as it arrived) with its reason, then queue a pointer to it."""
    key = record_key(source)
    client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps({"reason": reason, "source": source, "data": data}).encode(),
        ContentType="application/json",
    )
    client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(
            {"reason": reason, "source": source, "record": {"bucket": bucket, "key": key}}
        ),
    )
