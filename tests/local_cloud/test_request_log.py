"""LocalStack's request log is written in blocks (localcloud/speed/buffered_log.py): every line
still reaches it, in order, soon after the request."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from devkit.local_cloud import client, instance_folder, wait_until


def request_log() -> Path:
    return instance_folder() / "localstack.log"


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

    # THEN their lines are in the log within seconds, in the order they were answered (other
    # tests' requests, answered meanwhile, may stand between them)
    expected = ["sqs.CreateQueue => 200", "sqs.DeleteQueue => 200", "sqs.GetQueueUrl => 400"]

    def in_order() -> bool:
        with open(log, "rb") as file:
            file.seek(start)
            text = file.read().decode(errors="replace")
        lines = iter(line.split("AWS ", 1)[1] for line in text.splitlines() if "AWS sqs." in line)
        # Each expected line found after the one before it (the iterator is consumed in order).
        return all(any(line.startswith(want) for line in lines) for want in expected)

    wait_until(in_order, timeout=10, what="the requests' log lines, in order")
