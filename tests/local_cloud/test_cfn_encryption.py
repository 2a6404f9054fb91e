"""CloudFormation on the local cloud applies the encryption a template declares for a bucket, a
log group and a stream (localstack-core's providers dropped it)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client

TEMPLATE = {
    "Resources": {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "test data key"}},
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Ref": "Key"},
                            },
                        }
                    ]
                }
            },
        },
        "Logs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
        },
        "Stream": {
            "Type": "AWS::Kinesis::Stream",
            "Properties": {
                "ShardCount": 1,
                "StreamEncryption": {"EncryptionType": "KMS", "KeyId": {"Ref": "Key"}},
            },
        },
    }
}


def test_a_bucket_log_group_and_stream_get_the_key_their_template_names(local_cloud):
    # GIVEN a template encrypting a bucket, a log group and a stream with its own key
    cloudformation = client("cloudformation")
    name = f"cfn-encryption-{uuid.uuid4().hex[:6]}"

    # WHEN it is deployed
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE))
    try:
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 1200}
        )
        resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
        key_id = physical["Key"]

        # THEN the bucket encrypts new objects with that key, with a bucket key
        s3 = client("s3")
        written = s3.put_object(Bucket=physical["Bucket"], Key="a.txt", Body=b"hello")
        assert written["ServerSideEncryption"] == "aws:kms"
        assert written["SSEKMSKeyId"].endswith(f":key/{key_id}")
        assert written["BucketKeyEnabled"] is True
        s3.delete_object(Bucket=physical["Bucket"], Key="a.txt")

        # AND the log group names the key
        [group] = client("logs").describe_log_groups(logGroupNamePrefix=physical["Logs"])[
            "logGroups"
        ]
        assert group["kmsKeyId"].endswith(f":key/{key_id}")

        # AND the stream is encrypted with it
        stream = client("kinesis").describe_stream_summary(StreamName=physical["Stream"])[
            "StreamDescriptionSummary"
        ]
        assert stream["EncryptionType"] == "KMS"
        assert stream["KeyId"].endswith(key_id)
    finally:
        cloudformation.delete_stack(StackName=name)
