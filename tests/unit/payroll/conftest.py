"""Payroll unit fixtures: moto buckets named as the unit environment names them."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from unit.payroll.payroll_testkit import PAYSTUBS, PROCESSED, RAW


@pytest.fixture
def s3():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in (RAW, PROCESSED, PAYSTUBS):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=RAW, VersioningConfiguration={"Status": "Enabled"})
        yield s3
