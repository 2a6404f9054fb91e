"""Reports unit tests: moto for AWS, tables built from the template's own key schemas."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from support.template import create_table

ACTIVITY_TABLE = "prospect-activity"
REPORTS_TABLE = "reports"
BUCKET = "reports"
SENDER = "reports@example.com"


@pytest.fixture
def aws():
    """moto with the workflow's tables, bucket, topic and a verified sender."""
    with mock_aws():
        create_table("ReportsProspectActivityTable", ACTIVITY_TABLE)
        create_table("ReportsReportsTable", REPORTS_TABLE)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("sns").create_topic(Name="reports")
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield


def activity(organisation: str, at: str, number: int, **fields) -> dict:
    return {
        "organisationId": organisation,
        "occurredKey": f"{at}#a{number:06d}",
        "occurredAt": at,
        "prospectId": f"p{number}",
        "prospectName": f"Prospect {number}",
        "prospectEmail": f"p{number}@example.com",
        "channel": "web",
        "eventType": "page_view",
        "country": "GB",
        **fields,
    }
