"""Conditional writes: the answer when the condition held, None when another writer was first."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from common.dynamodb import conditional


def _table():
    boto3.client("dynamodb").create_table(
        TableName="things",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return boto3.resource("dynamodb").Table("things")


def test_the_first_of_two_conditional_writes_wins_and_the_second_writes_nothing():
    with mock_aws():
        things = _table()

        def claim(by: str):
            return conditional(
                lambda: things.put_item(
                    Item={"id": "t1", "by": by}, ConditionExpression="attribute_not_exists(id)"
                )
            )

        assert claim("first") is not None
        assert claim("second") is None
        assert things.get_item(Key={"id": "t1"})["Item"]["by"] == "first"


def test_any_other_error_is_raised():
    with mock_aws():
        things = _table()
        with pytest.raises(ClientError, match="ValidationException"):
            conditional(lambda: things.put_item(Item={"no_key": "x"}))
