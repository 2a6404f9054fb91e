"""SQS's metrics batch (localcloud/speed/sqs_metric_batch.py): what was counted goes out as one
PutMetricData per queue, each distinct value with its count, so no statistic changes."""

from __future__ import annotations

from localcloud.speed.sqs_metric_batch import VALUES_PER_DATUM, MetricBatch

QUEUE = ("000000000000", "us-east-1", "orders")
OTHER = ("000000000000", "eu-west-1", "orders")


def test_a_queues_data_points_go_out_together_each_value_with_its_count():
    # GIVEN three sends (5, 5 and 12 bytes) to one queue and one to a queue of another region
    batch = MetricBatch()
    for size in (5, 5, 12):
        batch.add(QUEUE, "NumberOfMessagesSent", 1, "Count")
        batch.add(QUEUE, "SentMessageSize", size, "Bytes")
    batch.add(OTHER, "NumberOfMessagesSent", 1, "Count")

    # WHEN the batch is drained
    requests = dict(batch.drain())

    # THEN each queue has one request, its data points as values with counts
    assert set(requests) == {QUEUE, OTHER}
    sent, sizes = requests[QUEUE]
    dimensions = [{"Name": "QueueName", "Value": "orders"}]
    assert sent == {
        "MetricName": "NumberOfMessagesSent",
        "Dimensions": dimensions,
        "Unit": "Count",
        "Values": [1],
        "Counts": [3],
    }
    assert (sizes["Unit"], sizes["Values"], sizes["Counts"]) == ("Bytes", [5, 12], [2, 1])
    assert batch.drain() == []  # drained: nothing is published twice


def test_values_beyond_one_datums_limit_go_in_more_data():
    # GIVEN more distinct sizes than one datum may hold
    batch = MetricBatch()
    for size in range(VALUES_PER_DATUM + 1):
        batch.add(QUEUE, "SentMessageSize", size, "Bytes")

    # WHEN drained
    [(_, data)] = batch.drain()

    # THEN they are split across data, every value kept once
    assert [len(datum["Values"]) for datum in data] == [VALUES_PER_DATUM, 1]
    assert sorted(v for datum in data for v in datum["Values"]) == list(range(VALUES_PER_DATUM + 1))
