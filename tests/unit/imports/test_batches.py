"""The importer's batch writes: items DynamoDB leaves unprocessed are sent again after a growing
backoff until taken, and a batch never taken fails the import."""

from __future__ import annotations

import pytest

from importer.batches import MAX_ATTEMPTS, ItemsNotWritten, write_items


def item(number: int) -> dict:
    return {"organisationId": "acme", "occurredKey": f"2026-03-02T09:15:00Z#{number:04d}"}


class ThrottledDynamoDB:
    """BatchWriteItem that leaves the last `left` requests of the first `times` calls unprocessed
    (as DynamoDB does under throttling), recording what each call sent."""

    def __init__(self, times: int, left: int = 5):
        self.times, self.left = times, left
        self.calls: list[list[dict]] = []

    def batch_write_item(self, RequestItems: dict) -> dict:
        [(table, requests)] = RequestItems.items()
        self.calls.append(requests)
        if len(self.calls) <= self.times:
            return {"UnprocessedItems": {table: requests[-self.left :]}}
        return {"UnprocessedItems": {}}


def keys(requests: list[dict]) -> list[str]:
    return [r["PutRequest"]["Item"]["occurredKey"]["S"] for r in requests]


def test_unprocessed_items_are_sent_again_after_a_growing_backoff():
    # GIVEN DynamoDB leaving 5 items unprocessed twice
    dynamodb, pauses = ThrottledDynamoDB(times=2), []

    # WHEN 25 items are written
    written = write_items(dynamodb, "activity", [item(n) for n in range(25)], pauses.append)

    # THEN the 5 are sent again twice, after pauses that grow, and every item is taken
    assert written == 25
    assert [len(call) for call in dynamodb.calls] == [25, 5, 5]
    assert keys(dynamodb.calls[1]) == keys(dynamodb.calls[0])[-5:]
    assert len(pauses) == 2
    assert pauses[1] > pauses[0] / 2  # jittered, within the doubled range


def test_a_batch_never_taken_fails_the_import():
    dynamodb = ThrottledDynamoDB(times=MAX_ATTEMPTS)
    with pytest.raises(ItemsNotWritten, match="5 of 25 items not taken"):
        write_items(dynamodb, "activity", [item(n) for n in range(25)], lambda _: None)
    assert len(dynamodb.calls) == MAX_ATTEMPTS


def test_batches_hold_25_items_and_each_key_once():
    # GIVEN 60 items, one repeated (DynamoDB refuses a batch holding a key twice)
    dynamodb = ThrottledDynamoDB(times=0)
    items = [item(n) for n in range(60)]
    items.insert(3, item(0))

    # WHEN written
    write_items(dynamodb, "activity", items, lambda _: None)

    # THEN in batches of at most 25, none holding a key twice
    assert all(len(set(keys(call))) == len(call) <= 25 for call in dynamodb.calls)
    assert sorted(k for call in dynamodb.calls for k in keys(call)) == sorted(
        item(n)["occurredKey"] for n in range(60)
    )
