"""DynamoDB's Time to Live on the local cloud (aws_behaviours/dynamodb_ttl.py): expired items
are deleted by the TTL service, on the host's clock, with the stream's REMOVE record naming it."""

from __future__ import annotations

import time
import uuid

from devkit.local_cloud import client, wait_until

# The TTL service looks once a second; the rest is a loaded machine's scheduling.
SECONDS_TO_EXPIRE = 20


def test_expired_items_are_deleted_by_the_ttl_service_on_the_functions_clock(local_cloud):
    # GIVEN a table with TTL on `expiresAt` and a stream, an item that expired a minute ago on
    # the host's clock (the one functions write expiry times from), one expiring in a day, and
    # one whose attribute is not a number
    dynamodb, streams = client("dynamodb"), client("dynamodbstreams")
    name = f"ttl-{uuid.uuid4().hex[:10]}"
    stream_arn = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    try:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
        )
        now = time.time()
        for item_id, expires in (("past", {"N": str(int(now) - 60)}),
                                 ("day", {"N": str(int(now) + 86_400)}),
                                 ("text", {"S": str(int(now) - 60)})):  # fmt: skip
            dynamodb.put_item(TableName=name, Item={"id": {"S": item_id}, "expiresAt": expires})

        # WHEN the TTL service looks, THEN the expired item is deleted, the others are not
        def remaining() -> set[str]:
            return {i["id"]["S"] for i in dynamodb.scan(TableName=name)["Items"]}

        wait_until(
            lambda: remaining() == {"day", "text"},
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
