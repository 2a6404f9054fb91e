"""DynamoDB's Time to Live on the local cloud (aws_behaviours/dynamodb_ttl.py): expired items
are deleted by the TTL service, on the local cloud's clock (the one functions write expiry times
from), with the stream's REMOVE record naming it."""

from __future__ import annotations

import uuid

import pytest

from devkit.local_cloud import client, clock_time, wait_until

pytestmark = pytest.mark.clock_tests_cloud  # moves the clock: on the clock tests' instance

# The TTL service looks once a second; the rest is a loaded machine's scheduling.
SECONDS_TO_EXPIRE = 20


def table_with_ttl(dynamodb) -> tuple[str, str]:
    """A new table with TTL on `expiresAt` and a stream: (name, stream ARN)."""
    name = f"ttl-{uuid.uuid4().hex[:10]}"
    stream_arn = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    return name, stream_arn


def remaining(dynamodb, name: str) -> set[str]:
    return {i["id"]["S"] for i in dynamodb.scan(TableName=name)["Items"]}


def test_expired_items_are_deleted_by_the_ttl_service_on_the_clock(local_cloud):
    # GIVEN a table with TTL and a stream, an item that expired a minute ago on the local
    # cloud's clock (which other tests may have moved ahead of the host's), one expiring in a
    # day, and one whose attribute is not a number
    dynamodb, streams = client("dynamodb"), client("dynamodbstreams")
    name, stream_arn = table_with_ttl(dynamodb)
    try:
        now = int(clock_time())
        for item_id, expires in (("past", {"N": str(int(now) - 60)}),
                                 ("day", {"N": str(int(now) + 86_400)}),
                                 ("text", {"S": str(int(now) - 60)})):  # fmt: skip
            dynamodb.put_item(TableName=name, Item={"id": {"S": item_id}, "expiresAt": expires})

        # WHEN the TTL service looks, THEN the expired item is deleted, the others are not
        wait_until(
            lambda: remaining(dynamodb, name) == {"day", "text"},
            timeout=SECONDS_TO_EXPIRE,
            what="the expired item deleted",
        )
        # AND the stream's REMOVE record says the TTL service deleted it
        shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        [removed] = [r for r in records if r["eventName"] == "REMOVE"]
        assert removed["dynamodb"]["Keys"] == {"id": {"S": "past"}}
        assert removed["userIdentity"] == {
            "Type": "Service",
            "PrincipalId": "dynamodb.amazonaws.com",
        }
    finally:
        dynamodb.delete_table(TableName=name)


def test_an_item_expires_when_the_clock_passes_its_time(local_cloud, move_clock):
    # GIVEN an item that expires in an hour on the clock, and one in a day
    dynamodb = client("dynamodb")
    name, _ = table_with_ttl(dynamodb)
    try:
        now = int(clock_time())
        for item_id, expires in (("hour", now + 3_600), ("day", now + 86_400)):
            item = {"id": {"S": item_id}, "expiresAt": {"N": str(expires)}}
            dynamodb.put_item(TableName=name, Item=item)

        # WHEN the clock moves two hours forward
        move_clock("PT2H")

        # THEN the TTL service deletes the hour's item, not the day's
        wait_until(
            lambda: remaining(dynamodb, name) == {"day"},
            timeout=SECONDS_TO_EXPIRE,
            what="the item expired by the move deleted",
        )
    finally:
        dynamodb.delete_table(TableName=name)
