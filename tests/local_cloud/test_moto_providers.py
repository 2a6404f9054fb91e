"""DynamoDB, DynamoDB Streams and Kinesis answer on the local cloud with no JVM or download
(served by moto through our provider plugins)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from devkit.local_cloud import client, wait_until

# Enough concurrent writers, for long enough, that an update applied as read-then-write loses one.
WRITERS = 16
ROUNDS = 8


def new_table(prefix: str, key: dict[str, str], indexed: tuple[str, ...] = (), **options) -> dict:
    """A pay-per-request table named `<prefix>-<random>`, its key {attribute: HASH or RANGE} and
    its indexes' other attributes all strings; its description."""
    attributes = [*key, *indexed]
    return client("dynamodb").create_table(
        TableName=f"{prefix}-{uuid.uuid4().hex[:6]}",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in attributes],
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in key.items()],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )["TableDescription"]


def test_dynamodb_table_with_a_stream(local_cloud):
    # GIVEN a table with a stream of new images
    dynamodb = client("dynamodb")
    table = new_table(
        "ledger",
        {"id": "HASH"},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    name = table["TableName"]

    # WHEN an item is written
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a-1"}, "amount": {"N": "12"}})

    # THEN it reads back, and the stream carries the new image
    item = dynamodb.get_item(TableName=name, Key={"id": {"S": "a-1"}})["Item"]
    assert item["amount"] == {"N": "12"}
    streams = client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"][
        "Shards"
    ][0]
    iterator = streams.get_shard_iterator(
        StreamArn=table["LatestStreamArn"],
        ShardId=shard["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert records[0]["dynamodb"]["NewImage"]["id"] == {"S": "a-1"}


def test_kinesis_stream_round_trip(local_cloud):
    # GIVEN a provisioned stream of one shard
    kinesis = client("kinesis")
    name = f"applications-{uuid.uuid4().hex[:6]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    wait_until(
        lambda: (
            kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
                "StreamStatus"
            ]
            == "ACTIVE"
        ),
        timeout=10,
        what="the stream to be active",
    )

    # WHEN a record is put
    kinesis.put_record(StreamName=name, Data=b'{"applicationId": "A-1"}', PartitionKey="A-1")

    # THEN it is read back from the shard
    shard_id = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert records[0]["Data"] == b'{"applicationId": "A-1"}'
    assert records[0]["PartitionKey"] == "A-1"


# --- DynamoDB answers carry exactly the keys AWS returns --------------------------------------
# Per the DynamoDB API reference: Attributes only for a ReturnValues other than NONE (and only
# when there is an item to return), ConsumedCapacity only for ReturnConsumedCapacity TOTAL or
# INDEXES, ItemCollectionMetrics only for ReturnItemCollectionMetrics SIZE. One test per
# operation the workflows use (functions/*/dal and Powertools' idempotency table).


@pytest.fixture
def table(local_cloud) -> Iterator[str]:
    """A table keyed like the applications table, with a sparse index like PendingReviews."""
    name = new_table(
        "answers",
        {"id": "HASH"},
        indexed=("queue",),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByQueue",
                "KeySchema": [{"AttributeName": "queue", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )["TableName"]
    yield name
    client("dynamodb").delete_table(TableName=name)


def keys(answer: dict) -> set[str]:
    return set(answer) - {"ResponseMetadata"}


def test_put_item_answers_with_nothing_unless_asked(table):
    dynamodb = client("dynamodb")
    item = {"id": {"S": "a-1"}, "status": {"S": "screening"}}
    # WHEN an item is put plainly, then again asking for the old item and the capacity used
    plain = dynamodb.put_item(TableName=table, Item=item)
    asked = dynamodb.put_item(
        TableName=table, Item=item, ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL"
    )
    # THEN the plain answer is empty; the other carries what was asked for
    assert keys(plain) == set()
    assert keys(asked) == {"Attributes", "ConsumedCapacity"}
    assert asked["Attributes"] == item


def test_a_failed_conditional_put_returns_the_item_when_asked(table):
    # GIVEN an item (Powertools' idempotency layer writes its records this way)
    dynamodb = client("dynamodb")
    item = {"id": {"S": "token-1"}, "status": {"S": "COMPLETED"}}
    dynamodb.put_item(TableName=table, Item=item)
    # WHEN a conditional put on it fails, asking for the item on failure
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException) as failed:
        dynamodb.put_item(
            TableName=table,
            Item={"id": {"S": "token-1"}, "status": {"S": "INPROGRESS"}},
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    # THEN the error carries the item as it is
    assert failed.value.response["Item"] == item


def test_get_item_answers_the_item_or_nothing(table):
    dynamodb = client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a-1"}})
    found = dynamodb.get_item(TableName=table, Key={"id": {"S": "a-1"}}, ConsistentRead=True)
    missing = dynamodb.get_item(TableName=table, Key={"id": {"S": "a-2"}}, ConsistentRead=True)
    assert keys(found) == {"Item"}
    assert keys(missing) == set()


def test_update_item_answers_only_the_return_values_asked_for(table):
    dynamodb = client("dynamodb")
    key = {"id": {"S": "a-1"}}

    def update(status: str, **asked) -> dict:
        return dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
            **asked,
        )

    # WHEN an item is created by an update asking for the old item (there is none), then
    # updated plainly, then asking for the old and the new item
    created = update("screening", ReturnValues="ALL_OLD")
    plain = update("awaiting_review")
    old = update("decided", ReturnValues="ALL_OLD")
    new = update("archived", ReturnValues="ALL_NEW", ReturnConsumedCapacity="TOTAL")
    # THEN only the answers that asked for something carry it
    assert keys(created) == set()
    assert keys(plain) == set()
    assert keys(old) == {"Attributes"}
    assert old["Attributes"] == {"id": {"S": "a-1"}, "status": {"S": "awaiting_review"}}
    assert keys(new) == {"Attributes", "ConsumedCapacity"}
    assert new["Attributes"]["status"] == {"S": "archived"}


def test_delete_item_without_return_values_has_no_attributes(table):
    dynamodb = client("dynamodb")
    for item_id in ("a-1", "a-2"):
        dynamodb.put_item(TableName=table, Item={"id": {"S": item_id}})
    # WHEN one item is deleted plainly and one asking for the old item
    plain = dynamodb.delete_item(TableName=table, Key={"id": {"S": "a-1"}})
    asked = dynamodb.delete_item(TableName=table, Key={"id": {"S": "a-2"}}, ReturnValues="ALL_OLD")
    # THEN the plain answer is empty (AWS has no Attributes key there, not an empty map)
    assert keys(plain) == set()
    assert asked["Attributes"] == {"id": {"S": "a-2"}}


def test_query_on_an_index_answers_items_and_counts(table):
    dynamodb = client("dynamodb")
    for item_id in ("a-1", "a-2", "a-3"):
        item = {"id": {"S": item_id}, "queue": {"S": "PENDING"}}
        dynamodb.put_item(TableName=table, Item=item)
    page = dynamodb.query(
        TableName=table,
        IndexName="ByQueue",
        KeyConditionExpression="#queue = :pending",
        ExpressionAttributeNames={"#queue": "queue"},
        ExpressionAttributeValues={":pending": {"S": "PENDING"}},
        Limit=2,
    )
    assert keys(page) == {"Items", "Count", "ScannedCount", "LastEvaluatedKey"}
    assert page["Count"] == 2


def test_batch_write_item_answers_only_the_unprocessed_items(table):
    dynamodb = client("dynamodb")
    requests = [{"PutRequest": {"Item": {"id": {"S": f"log-{n}"}}}} for n in range(3)]
    answer = dynamodb.batch_write_item(RequestItems={table: requests})
    assert keys(answer) == {"UnprocessedItems"}
    assert answer["UnprocessedItems"] == {}


@pytest.mark.parametrize("forward", [True, False])
def test_dynamodb_query_pages_through_one_partition_in_key_order(local_cloud, forward):
    # GIVEN a table of two partitions keyed by time, and an independent ordering of one of them
    dynamodb = client("dynamodb")
    name = new_table("activity", {"org": "HASH", "at": "RANGE"})["TableName"]
    keys = {
        org: [f"2025-01-{day:02d}T{hour:02d}" for day in (1, 2, 3) for hour in range(0, 24, 3)]
        for org in ("acme", "globex")
    }
    for org, ats in keys.items():
        for start in range(0, len(ats), 25):
            dynamodb.batch_write_item(
                RequestItems={
                    name: [
                        {"PutRequest": {"Item": {"org": {"S": org}, "at": {"S": at}}}}
                        for at in ats[start : start + 25]
                    ]
                }
            )

    # WHEN one organisation's day 2 (BETWEEN is inclusive) is read in pages of 3
    query = {
        "TableName": name,
        "KeyConditionExpression": "org = :org AND #at BETWEEN :from AND :to",
        "ExpressionAttributeNames": {"#at": "at"},
        "ExpressionAttributeValues": {
            ":org": {"S": "acme"},
            ":from": {"S": "2025-01-02"},
            ":to": {"S": "2025-01-03"},
        },
        "Limit": 3,
        "ScanIndexForward": forward,
    }
    read = []
    while True:
        page = dynamodb.query(**query)
        read += [item["at"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # THEN every key of that day once, in key order, and nothing of the other organisation
    expected = sorted(at for at in keys["acme"] if "2025-01-02" <= at <= "2025-01-03")
    assert read == (expected if forward else expected[::-1])
    assert len(read) == 8


def test_concurrent_updates_of_one_item_all_apply(table):
    # GIVEN many writers adding to one item's set at once (sub-reports recording their progress)
    dynamodb = client("dynamodb", max_pool_connections=WRITERS)

    def add(index: int) -> None:
        dynamodb.update_item(
            TableName=table,
            Key={"id": {"S": "report-1"}},
            UpdateExpression="ADD done :index",
            ExpressionAttributeValues={":index": {"SS": [str(index)]}},
        )

    # WHEN each adds its own index
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(add, range(ROUNDS * WRITERS)))
    # THEN every one is in the set: DynamoDB applies each update to an item atomically
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "report-1"}}, ConsistentRead=True)
    assert len(item["Item"]["done"]["SS"]) == ROUNDS * WRITERS


def test_of_concurrent_conditional_puts_exactly_one_succeeds(table):
    # GIVEN many writers claiming the same key at once (an idempotency record, a claim)
    dynamodb = client("dynamodb", max_pool_connections=WRITERS)

    def claim(round_and_writer: tuple[int, int]) -> bool:
        round_, writer = round_and_writer
        try:
            dynamodb.put_item(
                TableName=table,
                Item={"id": {"S": f"claim-{round_}"}, "writer": {"N": str(writer)}},
                ConditionExpression="attribute_not_exists(id)",
            )
            return True
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False

    # WHEN every writer claims each key of several rounds
    with ThreadPoolExecutor(WRITERS) as pool:
        won = list(pool.map(claim, [(r, w) for r in range(ROUNDS) for w in range(WRITERS)]))
    # THEN each key was won exactly once
    assert sum(won) == ROUNDS


def test_an_item_an_update_creates_is_never_read_half_made(table):
    # GIVEN items created by UpdateItem (the pre-screening trigger stores an application so),
    # each read by a poller from the moment its update is sent
    dynamodb = client("dynamodb", max_pool_connections=WRITERS)
    keys = [f"application-{uuid.uuid4().hex[:8]}" for _ in range(ROUNDS * 5)]

    def create(key: str) -> None:
        dynamodb.update_item(
            TableName=table,
            Key={"id": {"S": key}},
            UpdateExpression="SET #status = if_not_exists(#status, :received), payload = :p",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":received": {"S": "received"}, ":p": {"S": "x" * 200}},
        )

    def first_read(key: str) -> dict:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if item := dynamodb.get_item(TableName=table, Key={"id": {"S": key}}).get("Item"):
                return item
        return {}

    # WHEN each is created while it is read
    with ThreadPoolExecutor(WRITERS) as pool:
        for key in keys:
            reads = [pool.submit(first_read, key) for _ in range(WRITERS - 1)]
            pool.submit(create, key).result()
            # THEN every read finds the item whole: an update is applied at once, never in part
            for read in reads:
                assert set(read.result()) == {"id", "status", "payload"}
