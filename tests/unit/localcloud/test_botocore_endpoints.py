"""botocore's endpoint data is parsed once per process, however many sessions ask for it."""

from __future__ import annotations

import importlib
import sys

import boto3
import pytest
from botocore import loaders

from support.localstack_hooks import stand_in_localstack_hooks


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's start hook run, as LocalStack would (a stand-in records it: LocalStack is
    not installed here); botocore's loader is restored after."""
    stand_in_localstack_hooks(monkeypatch)
    monkeypatch.delitem(sys.modules, "localcloud.speed.botocore_endpoints", raising=False)
    monkeypatch.setattr(loaders.Loader, "load_data_with_path", loaders.Loader.load_data_with_path)
    importlib.import_module("localcloud.speed.botocore_endpoints").parse_botocore_endpoints_once()


def test_new_sessions_share_one_parse_of_the_endpoint_data(started, monkeypatch):
    # GIVEN botocore's reads of its data files counted
    read: list[str] = []
    load_file = loaders.JSONFileLoader.load_file

    def counted(self, file_path):
        read.append(file_path)
        return load_file(self, file_path)

    monkeypatch.setattr(loaders.JSONFileLoader, "load_file", counted)

    # WHEN new sessions list regions, as LocalStack and moto do for each service
    listed = [boto3.Session().get_available_regions(name) for name in ("sqs", "lambda", "s3")]

    # THEN the regions are botocore's, and endpoints.json was read at most once
    assert all("us-east-1" in regions for regions in listed)
    assert len([path for path in read if path.endswith("/endpoints")]) <= 1
