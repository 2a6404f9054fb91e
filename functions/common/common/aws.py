"""AWS clients made once per process and reused across warm invocations."""

from functools import cache

import boto3


@cache
def client(service: str):
    # Plain boto3: on the local cloud AWS_ENDPOINT_URL points it at LocalStack.
    return boto3.client(service)
