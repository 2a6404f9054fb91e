"""The workflow's own CloudWatch metrics (what its alarms watch)."""

from __future__ import annotations

from common.aws import client


def put_count(namespace: str, name: str, count: int) -> None:
    client("cloudwatch").put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": name, "Value": count, "Unit": "Count"}]
    )
