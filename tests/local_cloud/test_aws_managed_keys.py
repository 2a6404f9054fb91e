"""AWS-managed keys (alias/aws/sns, alias/aws/sqs, ...) come into being in an account and region
when first named, as on AWS, with the key policy AWS gives them (the account's principals,
through that service only), and nobody can change that policy or the key."""

from __future__ import annotations

import json
import random

import boto3
import pytest
from botocore.exceptions import ClientError

from devkit.local_cloud import endpoint

SERVICES = ["sns", "sqs", "kinesis", "s3", "dynamodb"]


@pytest.fixture
def account() -> str:
    """An account no test has used: the local cloud takes a 12-digit access key as its id."""
    return f"{random.randrange(10**11, 10**12)}"


def client_of(account: str, service: str):
    return boto3.client(
        service,
        endpoint_url=endpoint(),
        region_name="us-east-1",
        aws_access_key_id=account,
        aws_secret_access_key="test",
    )


def aliases(kms) -> set[str]:
    pages = kms.get_paginator("list_aliases").paginate()
    return {alias["AliasName"] for page in pages for alias in page["Aliases"]}


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_key_is_made_when_first_named_with_aws_policy(local_cloud, account, service):
    # GIVEN an account whose AWS-managed key for the service was never named
    kms = client_of(account, "kms")
    alias = f"alias/aws/{service}"
    assert alias not in aliases(kms)

    # WHEN it is named
    key = kms.describe_key(KeyId=alias)["KeyMetadata"]

    # THEN it exists from now on, managed by AWS, rotated, behind its alias
    assert key["KeyManager"] == "AWS" and key["Enabled"]
    assert key["AWSAccountId"] == account
    assert alias in aliases(kms)
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == key["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]

    # AND its policy lets the account's principals use it through the service only
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    use, metadata = policy["Statement"]
    assert use["Principal"] == {"AWS": "*"} and "kms:Decrypt" in use["Action"]
    assert use["Condition"] == {
        "StringEquals": {
            "kms:CallerAccount": account,
            "kms:ViaService": f"{service}.us-east-1.amazonaws.com",
        }
    }
    # and the account itself only its metadata: no wildcard that would let it change the key
    assert metadata["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert "kms:*" not in metadata["Action"] and "kms:PutKeyPolicy" not in metadata["Action"]


@pytest.mark.parametrize(
    "change",
    [
        lambda kms, key: kms.put_key_policy(KeyId=key, PolicyName="default", Policy="{}"),
        lambda kms, key: kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7),
        lambda kms, key: kms.disable_key(KeyId=key),
        lambda kms, key: kms.update_key_description(KeyId=key, Description="mine now"),
    ],
    ids=["PutKeyPolicy", "ScheduleKeyDeletion", "DisableKey", "UpdateKeyDescription"],
)
def test_nobody_changes_an_aws_managed_key(local_cloud, account, change):
    # GIVEN the account's SNS key, and a key of its own
    kms = client_of(account, "kms")
    managed = kms.describe_key(KeyId="alias/aws/sns")["KeyMetadata"]
    policy_before = kms.get_key_policy(KeyId=managed["KeyId"], PolicyName="default")["Policy"]
    own = kms.create_key()["KeyMetadata"]["KeyId"]

    # WHEN the account tries to change the AWS-managed key
    with pytest.raises(ClientError) as refused:
        change(kms, managed["KeyId"])

    # THEN it is refused as AWS refuses it, and the key is as it was
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert (
        managed["Arn"] in error["Message"]
        and "is not authorized to perform: kms:" in error["Message"]
    )
    after = kms.describe_key(KeyId=managed["KeyId"])["KeyMetadata"]
    assert after["KeyState"] == "Enabled" and after["Description"] == managed["Description"]
    assert kms.get_key_policy(KeyId=managed["KeyId"], PolicyName="default")["Policy"] == (
        policy_before
    )
    # AND the account's own key takes the same change
    change(kms, own)


def test_s3_encrypts_with_the_accounts_s3_key_when_a_bucket_names_none(local_cloud, account):
    # GIVEN a bucket whose default encryption is SSE-KMS without a key
    s3, kms = client_of(account, "s3"), client_of(account, "kms")
    bucket = f"default-key-{account}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )

    # WHEN an object is put there
    written = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")

    # THEN it is under the account's alias/aws/s3 key, as on AWS
    s3_key = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert written["SSEKMSKeyId"] == s3_key["Arn"]
    assert s3_key["KeyManager"] == "AWS"
    s3.delete_object(Bucket=bucket, Key="a.txt")
    s3.delete_bucket(Bucket=bucket)


def test_dynamodb_encrypts_with_the_accounts_dynamodb_key_when_a_table_names_none(
    local_cloud, account
):
    # GIVEN a table encrypted with KMS without a key of its own
    dynamodb, kms = client_of(account, "dynamodb"), client_of(account, "kms")
    table = dynamodb.create_table(
        TableName=f"default-key-{account}",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )["TableDescription"]

    # THEN it is under the account's alias/aws/dynamodb key, which KMS knows, as on AWS
    dynamodb_key = kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == dynamodb_key["Arn"]
    assert dynamodb_key["KeyManager"] == "AWS"
    dynamodb.delete_table(TableName=table["TableName"])
