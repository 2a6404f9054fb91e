"""The application stream (Kinesis): one record per application, keyed by its id."""

from __future__ import annotations

import json
from typing import Any

from common.aws import client


def put_application(stream_name: str, application: dict[str, Any]) -> str:
    answer = client("kinesis").put_record(
        StreamName=stream_name,
        Data=json.dumps(application, separators=(",", ":")).encode(),
        PartitionKey=application["applicationId"],
    )
    return answer["SequenceNumber"]
