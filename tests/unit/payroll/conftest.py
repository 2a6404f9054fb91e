"""Payroll unit fixtures: moto buckets named as the functions' settings expect."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from payroll import settings as payroll_settings
from unit.payroll.payroll_testkit import PAYSTUBS, PROCESSED, RAW


@pytest.fixture
def payroll_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROCESSED_DATA_BUCKET", PROCESSED)
    monkeypatch.setenv("PAYSTUBS_BUCKET", PAYSTUBS)
    monkeypatch.setenv("PAYSTUB_BATCH_SIZE", "2")
    payroll_settings.settings.cache_clear()
    yield
    payroll_settings.settings.cache_clear()


@pytest.fixture
def s3(payroll_env):
    from common.aws import client

    client.cache_clear()  # a client made outside moto would reach for real AWS
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in (RAW, PROCESSED, PAYSTUBS):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=RAW, VersioningConfiguration={"Status": "Enabled"})
        yield s3
    client.cache_clear()
