"""Reading back everywhere personal data could travel on the local cloud, for the marker tests:
every log group, every execution's history, every queue (dead-letter queues included), every
SNS message (caught by a queue subscribed to every topic of the stack)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

from devkit.local_cloud import client, wait_until
from support.queues import queue_for


def markers_in(text: str, markers: Iterable[object]) -> list[str]:
    """The marker values found in text (as substrings, case-insensitively)."""
    lowered = text.lower()
    return [str(value) for value in markers if str(value).lower() in lowered]


@contextmanager
def queue_on_every_topic(stack_outputs: dict[str, str]) -> Iterator[Callable[[], list[str]]]:
    """A queue subscribed to every topic of the stack; yields a reader of all it caught."""
    sqs, sns = client("sqs"), client("sns")
    topics = [value for key, value in stack_outputs.items() if key.endswith("TopicArn")]
    url, arn = queue_for(sqs, f"privacy-{uuid.uuid4().hex[:8]}", topics)

    def subscribe(topic: str) -> str | None:
        try:
            return sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
        except sns.exceptions.NotFoundException:
            # Another workflow's fault test (run beside this one) deletes its topic for a moment,
            # then restores it.
            return None

    subscriptions = [
        wait_until(lambda t=topic: subscribe(t), 120, interval=0.5, what=f"topic {topic}")
        for topic in topics
    ]
    caught: list[str] = []

    def read() -> list[str]:
        while messages := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            caught.extend(m["Body"] for m in messages)
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return caught

    try:
        yield read
    finally:
        for subscription in subscriptions:
            # Its topic was deleted meanwhile (the local cloud answers InternalError then).
            with suppress(sns.exceptions.NotFoundException, sns.exceptions.InternalErrorException):
                sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def every_queue_message() -> dict[str, list[str]]:
    """Every message of every queue, peeked (visibility 0: left for their readers)."""
    sqs = client("sqs")
    found = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        bodies = []
        for _ in range(5):
            try:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
                ).get("Messages", [])
            except sqs.exceptions.QueueDoesNotExist:
                break  # another test's own queue, deleted since the listing: it holds nothing
            bodies.extend(m["Body"] for m in messages)
            if len(messages) < 10:
                break
        found[url] = bodies
    return found


# Lambda's own lines around each invocation: ids, versions and timings only, never a function's
# data; a timing such as "Duration: 83.17 ms" can equal a marker by chance.
PLATFORM_LINE = re.compile(
    r"^(?:INIT_START Runtime Version|(?:START|END|REPORT) RequestId):.*$", re.M
)


def written_by_functions(message: str) -> str:
    """A log event's text without the Lambda platform's own lines."""
    return PLATFORM_LINE.sub("", message)


def every_log_line(since_millis: int) -> dict[str, str]:
    """Every log group's text since `since_millis`, as the functions and services wrote it."""
    logs = client("logs")
    lines = {}
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            events = []
            for events_page in logs.get_paginator("filter_log_events").paginate(
                logGroupName=name, startTime=since_millis
            ):
                events.extend(written_by_functions(e["message"]) for e in events_page["events"])
            lines[name] = "\n".join(events)
    return lines


def every_execution_history(stack_outputs: dict[str, str], since: float) -> dict[str, str]:
    """Every execution (described, with its whole history) of the stack's state machines that
    started since `since` (epoch seconds)."""
    sfn = client("stepfunctions")
    histories = {}
    machines = [v for k, v in stack_outputs.items() if k.endswith("StateMachineArn")]
    for machine in machines:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
            for execution in page["executions"]:
                if execution["startDate"].timestamp() < since - 1:
                    continue
                arn = execution["executionArn"]
                events = [
                    event
                    for history in sfn.get_paginator("get_execution_history").paginate(
                        executionArn=arn
                    )
                    for event in history["events"]
                ]
                described = sfn.describe_execution(executionArn=arn)
                histories[arn] = json.dumps([described, events], default=str)
    return histories


def everywhere(
    stack_outputs: dict[str, str],
    since: float,
    published: list[str],
    answers: list[str],
) -> dict[str, dict[str, str]]:
    """Every place read, by kind ("log group", "execution", ...) then by name: its text."""
    return {
        "log group": every_log_line(int(since * 1000)),
        "execution": every_execution_history(stack_outputs, since),
        "queue": {url: "\n".join(bodies) for url, bodies in every_queue_message().items()},
        "sns message": {"subscribed queue": "\n".join(published)},
        "api answer": {"answers": "\n".join(answers)},
    }


def markers_found(places: dict[str, dict[str, str]], markers: Iterable[object]) -> dict:
    """{"<kind> <name>": [markers found there]} for every place that holds any."""
    values = list(markers)
    return {
        f"{kind} {name}": hits
        for kind, texts in places.items()
        for name, text in texts.items()
        if (hits := markers_in(text, values))
    }
