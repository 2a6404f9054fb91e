"""The application stream (Kinesis): one record per application, keyed by its id."""

from __future__ import annotations

import json
from typing import Any

from common.aws import client
from prescreening.settings import settings


def put_application(application: dict[str, Any]) -> str:
    answer = client("kinesis").put_record(
        StreamName=settings().application_stream,
        Data=json.dumps(application, separators=(",", ":")).encode(),
        PartitionKey=application["applicationId"],
    )
    return answer["SequenceNumber"]
