"""SQS's CloudWatch metrics are published in batches (localcloud/speed/sqs_metrics.py): every
call still counts, and each statistic is what one data point per call gave."""

from __future__ import annotations

import datetime
import uuid

from devkit.local_cloud import client, wait_until


def statistics(queue_name: str, metric: str) -> dict:
    now = datetime.datetime.now(datetime.UTC)
    points = client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName=metric,
        Dimensions=[{"Name": "QueueName", "Value": queue_name}],
        StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=3600,
        Statistics=["SampleCount", "Sum", "Minimum", "Maximum"],
    )["Datapoints"]
    return points[0] if points else {}


def test_each_call_counts_in_the_queues_metrics(local_cloud):
    # GIVEN a queue
    sqs = client("sqs")
    name = f"metrics-{uuid.uuid4().hex[:8]}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]

    # WHEN three messages are sent (5, 5 and 12 bytes), both of one receive are deleted, and a
    # receive finds the queue empty
    for body in ("five!", "five?", "twelve bytes"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    received = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=2).get("Messages"),
        what="messages",
    )
    for message in received:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    sqs.purge_queue(QueueUrl=queue)
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)

    # THEN CloudWatch has a data point per call, with its value
    wait_until(lambda: statistics(name, "NumberOfEmptyReceives"), timeout=20, what="empty receive")
    sent = statistics(name, "NumberOfMessagesSent")
    assert (sent["SampleCount"], sent["Sum"]) == (3, 3)
    sizes = statistics(name, "SentMessageSize")
    assert (sizes["SampleCount"], sizes["Sum"], sizes["Minimum"], sizes["Maximum"]) == (
        3,
        22,
        5,
        12,
    )
    assert statistics(name, "NumberOfMessagesReceived")["Sum"] == len(received)
    assert statistics(name, "NumberOfMessagesDeleted")["Sum"] == len(received)
    assert statistics(name, "NumberOfEmptyReceives")["Sum"] >= 1
