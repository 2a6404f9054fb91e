"""Reading the local cloud's provider stores and the notification subscription, and firing the
retry schedule (comms e2e, demo and benchmark)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable

import requests

from devkit.local_cloud import client, endpoint, wait_until
from support.queues import queue_for

HTTP_TIMEOUT = 30
# A firing of the retry schedule, its workflow and its re-sends, on a busy machine.
ROUND_SECONDS = 60
# How often the tests look again at a record, a queue or the workflow's executions: cheap reads
# of the local cloud, where a look a second lost half a second per wait.
POLL_SECONDS = 0.25


def emails_by_recipient() -> Counter:
    """How many emails SES sent to each address (the local SES store)."""
    answer = requests.get(f"{endpoint()}/_aws/ses", timeout=HTTP_TIMEOUT)
    answer.raise_for_status()
    counts: Counter = Counter()
    for message in answer.json().get("messages", []):
        for address in message.get("Destination", {}).get("ToAddresses", []):
            counts[address] += 1
    return counts


def sms_by_number() -> Counter:
    """How many SMS SNS sent to each number (the local SNS store)."""
    answer = requests.get(f"{endpoint()}/_aws/sns/sms-messages", timeout=HTTP_TIMEOUT)
    answer.raise_for_status()
    counts: Counter = Counter()
    for number, messages in answer.json().get("sms_messages", {}).items():
        counts[number] += len(messages)
    return counts


class Notifications:
    """An SQS queue subscribed to the notifications topic: what a subscriber receives."""

    def __init__(self, topic_arn: str):
        self.sqs = client("sqs")
        name = f"comms-notifications-{uuid.uuid4().hex[:8]}"
        self.url, arn = queue_for(self.sqs, name, [topic_arn])
        self.subscription = client("sns").subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        self.received: list[dict] = []

    def poll(self) -> list[dict]:
        """Every notification so far: {"subject", "message"}."""
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            envelope = json.loads(message["Body"])
            self.received.append(
                {"subject": envelope.get("Subject"), "message": json.loads(envelope["Message"])}
            )
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self.received

    def close(self) -> None:
        client("sns").unsubscribe(SubscriptionArn=self.subscription)
        self.sqs.delete_queue(QueueUrl=self.url)


def record(outputs: dict, communication_id: str) -> dict:
    """The communication as stored, each attribute's value as DynamoDB's JSON gives it."""
    item = client("dynamodb").get_item(
        TableName=outputs["CommunicationsTableName"],
        Key={"id": {"S": communication_id}},
        ConsistentRead=True,
    )["Item"]
    return {key: next(iter(value.values())) for key, value in item.items()}


def after_schedule_firings(
    move_clock: Callable[[str], dict], done: Callable[[], object], what: str, firings: int = 3
) -> None:
    """Fire the retry schedule (rate(1 minute) in the local stage) by moving the local cloud's
    clock a minute ahead, round after round, until done() holds; one round often does. A move
    waits for the round before it to end, once the other tests have let go (the schedule also
    fires as time passes meanwhile): a minute's jump would time out its re-sends in flight
    (their tasks' 60 s run on the clock), where a minute's wait would have let them finish."""

    def no_round_running() -> None:
        wait_until(
            lambda: not rounds_running(),
            3 * ROUND_SECONDS,
            interval=POLL_SECONDS,
            what="the round to end",
        )

    for _ in range(firings):
        if done():
            return
        move_clock("PT1M", first=no_round_running)
        try:
            wait_until(done, ROUND_SECONDS, interval=POLL_SECONDS, what=what)
            return
        except TimeoutError:
            continue  # that firing found the previous round still running: the next one
    raise TimeoutError(f"{what}: not after {firings} firings of the retry schedule")


def rounds_running() -> bool:
    """Whether an execution of the retry workflow (the state machine named <stack>-comms) runs."""
    sfn = client("stepfunctions")
    pages = sfn.get_paginator("list_state_machines").paginate()
    machines = [machine for page in pages for machine in page["stateMachines"]]
    return any(
        sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
            "executions"
        ]
        for machine in machines
        if machine["name"].endswith("-comms")
    )
