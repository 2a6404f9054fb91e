"""DynamoDB, DynamoDB Streams and Kinesis answer on the local cloud with no JVM or download
(served by moto through our provider plugins)."""

from __future__ import annotations

import uuid

from support.localcloud import client, wait_until


def test_dynamodb_table_with_a_stream(local_cloud):
    # GIVEN a table with a stream of new images
    dynamodb = client("dynamodb")
    name = f"ledger-{uuid.uuid4().hex[:6]}"
    table = dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]

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
