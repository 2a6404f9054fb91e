"""Fixtures for testing the local cloud itself: functions made from source text."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from support.localcloud import client, zip_sources

ROLE = "arn:aws:iam::000000000000:role/local-cloud-tests"


@pytest.fixture
def lambda_function(local_cloud) -> Iterator[Callable[..., str]]:
    """Create functions from {file name: source}; delete them after the test."""
    lam = client("lambda")
    created: list[str] = []

    def create(files: dict[str, str], handler: str = "app.handler", **config) -> str:
        name = f"t-{uuid.uuid4().hex[:10]}"
        lam.create_function(
            FunctionName=name,
            Runtime=config.pop("Runtime", "python3.13"),
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": zip_sources(files)},
            **config,
        )
        created.append(name)
        lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
        )
        return name

    yield create
    for name in created:
        lam.delete_function(FunctionName=name)
