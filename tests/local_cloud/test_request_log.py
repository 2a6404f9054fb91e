"""LocalStack's request log is written in blocks (localcloud/buffered_log.py): every line still
reaches it, in order, soon after the request."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from support.localcloud import PROJECT, client, wait_until


def request_log() -> Path:
    home = Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud"))
    return home / os.environ.get("LOCAL_CLOUD_PORT", "4566") / "localstack.log"


def test_each_request_is_logged_in_order_soon_after(local_cloud):
    # GIVEN the log as it is now
    log = request_log()
    start = log.stat().st_size
    name = f"log-check-{uuid.uuid4().hex[:8]}"

    # WHEN three requests are answered: a queue made, deleted, then asked for
    sqs = client("sqs")
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"])
    with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)

    # THEN their lines are in the log within seconds, in the order they were answered
    def sqs_lines() -> list[str] | None:
        with open(log, "rb") as file:
            file.seek(start)
            text = file.read().decode(errors="replace")
        found = [line.split("AWS ", 1)[1] for line in text.splitlines() if "AWS sqs." in line]
        return found if len(found) >= 3 else None

    found = wait_until(sqs_lines, timeout=10, what="the requests' log lines")
    assert found[0].startswith("sqs.CreateQueue => 200")
    assert found[1].startswith("sqs.DeleteQueue => 200")
    assert found[2].startswith("sqs.GetQueueUrl => 400")
