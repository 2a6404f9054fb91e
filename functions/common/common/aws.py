"""AWS clients and DynamoDB tables made once per process and reused across warm invocations."""

from functools import cache

import boto3
from botocore.config import Config

# Standard retry mode: throttling and transient errors are retried with backoff by botocore
# itself (every client, one policy), so callers see only what is left after the retries.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def client(service: str):
    # Plain boto3: on the local cloud AWS_ENDPOINT_URL points it at LocalStack.
    return boto3.client(service, config=RETRIES)


@cache
def _dynamodb():
    return boto3.resource("dynamodb", config=RETRIES)


@cache
def table(name: str):
    """A DynamoDB table through boto3's resource layer (it serialises items both ways)."""
    return _dynamodb().Table(name)


def clear_caches() -> None:
    """Forget every client (tests switch between moto and the local cloud)."""
    client.cache_clear()
    _dynamodb.cache_clear()
    table.cache_clear()
