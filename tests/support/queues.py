"""Test queues that receive what SNS topics or EventBridge rules send: as on AWS, a service
delivers to a queue only when the queue's policy lets it send for that source (aws:SourceArn)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from devkit.local_cloud import client

SNS = "sns.amazonaws.com"
EVENTBRIDGE = "events.amazonaws.com"


def queue_for(sqs, name: str, sources: Sequence[str], service: str = SNS) -> tuple[str, str]:
    """Creates the queue `name` that `service` may send to for `sources` (topic or rule ARNs)
    only; returns its URL and ARN."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": list(sources)}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


@contextmanager
def subscribed_queue(topic_arn: str, prefix: str, **attributes: str) -> Iterator[str]:
    """A new queue `prefix-<random>` subscribed to the topic (with the subscription's
    `attributes`, e.g. RawMessageDelivery); yields its URL; unsubscribed and deleted after."""
    sqs, sns = client("sqs"), client("sns")
    url, arn = queue_for(sqs, f"{prefix}-{uuid.uuid4().hex[:8]}", [topic_arn])
    subscription = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    try:
        yield url
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)
