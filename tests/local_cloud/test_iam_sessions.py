"""Temporary credentials end on the local cloud's clock as they end on AWS (iam/sessions.py):
a session past its Expiration is refused with the service's ExpiredToken error, and a Lambda
environment whose session would end is replaced, so a function keeps working when the clock
moves on by a day."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.local_cloud import client, endpoint, service_role

pytestmark = pytest.mark.clock_tests_cloud  # moves the clock: on the clock tests' instance

LISTS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sqs:ListQueues", "dynamodb:ListTables", "s3:ListAllMyBuckets"],
            "Resource": "*",
        }
    ],
}
EXPIRED = "The security token included in the request is expired"

WHO_AM_I = """
import os

import boto3


def handler(event, context):
    try:
        boto3.client("sqs").list_queues()
    except Exception as error:
        return {"refused": str(error)}
    return {"key": os.environ["AWS_ACCESS_KEY_ID"]}
"""


def session_clients(role_arn: str, duration_seconds: int) -> dict:
    keys = client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName="tester", DurationSeconds=duration_seconds
    )["Credentials"]
    return {
        service: boto3.client(
            service,
            endpoint_url=endpoint(),
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}),
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )
        for service in ("sqs", "dynamodb", "s3")
    }


def refusal(call) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_a_session_is_refused_once_the_clock_passes_its_expiration(move_clock):
    # GIVEN a 15-minute session of a role that may list queues, tables and buckets
    role = service_role(
        client("iam"), f"session-{uuid.uuid4().hex[:8]}", "lambda.amazonaws.com", LISTS
    )
    # (the test's own account may assume it: the root is never judged)
    clients = session_clients(role, duration_seconds=900)
    clients["sqs"].list_queues()
    clients["dynamodb"].list_tables()
    clients["s3"].list_buckets()

    # WHEN the clock moves past its end
    move_clock("PT16M")

    # THEN each service refuses it as AWS does, in its own protocol's shape
    assert refusal(clients["sqs"].list_queues) == ("ExpiredToken", EXPIRED, 403)
    assert refusal(clients["dynamodb"].list_tables) == ("ExpiredTokenException", EXPIRED, 400)
    assert refusal(clients["s3"].list_buckets) == (
        "ExpiredToken",
        "The provided token has expired.",
        400,
    )


def test_a_function_keeps_working_when_the_clock_moves_on_a_day(move_clock, lambda_function):
    # GIVEN a warm function whose role may list queues
    role = service_role(
        client("iam"),
        "local-cloud-test-lister",
        "lambda.amazonaws.com",
        LISTS,
        managed=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",),
    )
    name = lambda_function({"app.py": WHO_AM_I}, Role=role)
    lam = client("lambda")

    def invoke() -> dict:
        return json.loads(lam.invoke(FunctionName=name)["Payload"].read())

    before = invoke()
    assert "key" in before, before

    # WHEN the clock moves on by a day, past its environment's 12-hour session
    move_clock("P1D")

    # THEN it runs in an environment with a session of its own, which is not refused
    after = invoke()
    assert "key" in after, after
    assert after["key"] != before["key"]
