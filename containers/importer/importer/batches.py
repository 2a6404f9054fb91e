"""Items written with BatchWriteItem, 25 at a time, until DynamoDB has taken every one.

DynamoDB may answer a batch with UnprocessedItems (throttling, a partition busy): those are
sent again after a backoff that doubles, with jitter, as AWS advises; a batch still not taken
after `MAX_ATTEMPTS` fails the import (the state machine retries the task, which resumes from
its checkpoint). Items with the same key in one batch are refused by DynamoDB, so a batch holds
each key once (the last wins: they are the same row).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable

from boto3.dynamodb.types import TypeSerializer

BATCH_SIZE = 25  # BatchWriteItem's limit
MAX_ATTEMPTS = 8
FIRST_BACKOFF_S = 0.05
MAX_BACKOFF_S = 5.0
KEY = ("organisationId", "occurredKey")

_serialise = TypeSerializer().serialize


class ItemsNotWritten(Exception):
    """DynamoDB did not take a batch after every attempt."""


def write_items(
    client,
    table: str,
    items: Iterable[dict],
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write every item; how many distinct items were sent."""
    written = 0
    batch: dict[tuple, dict] = {}
    for item in items:
        batch[tuple(item[k] for k in KEY)] = item
        if len(batch) == BATCH_SIZE:
            written += write_batch(client, table, list(batch.values()), sleep)
            batch = {}
    if batch:
        written += write_batch(client, table, list(batch.values()), sleep)
    return written


def write_batch(client, table: str, items: list[dict], sleep=time.sleep) -> int:
    requests = [
        {"PutRequest": {"Item": {k: _serialise(v) for k, v in item.items()}}} for item in items
    ]
    pending = {table: requests}
    for attempt in range(MAX_ATTEMPTS):
        answer = client.batch_write_item(RequestItems=pending)
        pending = answer.get("UnprocessedItems") or {}
        if not pending:
            return len(items)
        backoff = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2**attempt)
        sleep(random.uniform(backoff / 2, backoff))  # noqa: S311 (jitter, not a secret)
    left = len(pending.get(table, []))
    raise ItemsNotWritten(f"{left} of {len(items)} items not taken after {MAX_ATTEMPTS} attempts")
