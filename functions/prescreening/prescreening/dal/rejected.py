"""The rejected-applications queue: records that can never become an execution, with why.

The queue keeps the record's data as it arrived (it is the record of what was rejected, so
nothing is lost); logs only ever get the reason.
"""

from __future__ import annotations

import json

from common.aws import client


def reject(queue_url: str, data: str, reason: list[str], source: dict[str, str]) -> None:
    client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps({"reason": reason, "source": source, "data": data}),
    )
