"""SQS's metric data points, counted per queue, metric and unit, and drained as PutMetricData
requests: each distinct value with its count (Values and Counts), so every statistic is what one
data point per call gave. Pure: the plugin (sqs_metrics.py) publishes what is drained."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

NAMESPACE = "AWS/SQS"
# PutMetricData's limits: values per datum, data per request.
VALUES_PER_DATUM = 150
DATA_PER_REQUEST = 1000

Queue = tuple[str, str, str]  # account, region, queue name


class MetricBatch:
    """Data points counted per queue, metric and unit until drained."""

    def __init__(self) -> None:
        self._values: defaultdict[Queue, defaultdict[tuple[str, str], Counter]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        self._lock = threading.Lock()

    def add(self, queue: Queue, metric: str, value: float, unit: str) -> None:
        with self._lock:
            self._values[queue][(metric, unit)][value] += 1

    def drain(self) -> list[tuple[Queue, list[dict]]]:
        """Each queue's PutMetricData requests' MetricData, emptying the batch."""
        with self._lock:
            values, self._values = self._values, defaultdict(lambda: defaultdict(Counter))
        requests = []
        for queue, metrics in values.items():
            data = [
                datum
                for (metric, unit), counts in metrics.items()
                for datum in _data(metric, unit, queue[2], counts)
            ]
            for start in range(0, len(data), DATA_PER_REQUEST):
                requests.append((queue, data[start : start + DATA_PER_REQUEST]))
        return requests


def _data(metric: str, unit: str, queue_name: str, counts: Counter) -> list[dict]:
    values = sorted(counts)
    return [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
            "Unit": unit,
            "Values": chunk,
            "Counts": [counts[value] for value in chunk],
        }
        for chunk in (
            values[start : start + VALUES_PER_DATUM]
            for start in range(0, len(values), VALUES_PER_DATUM)
        )
    ]
