"""Unit tests run on moto in-process: never against the local cloud or real AWS.

Handler modules read their settings when imported (a Lambda's cold start), so every function's
environment is set here, before any test module imports one: the names the moto fixtures give
their tables, buckets, queues and state machines.
"""

import os
from dataclasses import dataclass

import pytest

ACCOUNT = "123456789012"
STATE_MACHINES = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine"
UNIT_ENVIRONMENT = {
    "STAGE": "unit",
    # payroll
    "PAYROLL_STATE_MACHINE_ARN": f"{STATE_MACHINES}:payroll",
    "PAYROLL_PROCESSED_DATA_BUCKET": "processed-data",
    "PAYROLL_PAYSTUBS_BUCKET": "paystubs",
    "PAYROLL_PAYSTUB_BATCH_SIZE": "2",
    "PAYROLL_SOCIAL_SECURITY_RATE": "0.062",
    "PAYROLL_MEDICARE_RATE": "0.0145",
    "PAYROLL_INCOME_TAX_RATE": "0.10",
    # pre-screening
    "PRESCREENING_STATE_MACHINE_ARN": f"{STATE_MACHINES}:prescreening",
    "PRESCREENING_REJECTED_APPLICATIONS_QUEUE_URL": (
        f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/rejected"
    ),
    "PRESCREENING_REJECTED_APPLICATIONS_BUCKET": "rejected-applications",
    "PRESCREENING_APPLICATION_STREAM_NAME": "applications",
    "PRESCREENING_APPLICATIONS_TABLE": "applications",
    "PRESCREENING_SCREENING_LOG_TABLE": "screening-log",
    "PRESCREENING_SANDBOX_CREDIT_BUREAU_URL": "http://bureau.test/reports",
    "PRESCREENING_CREDIT_BUREAU_SECRET_ARN": "prescreening-credit-bureau",
    "PRESCREENING_IDEMPOTENCY_TABLE": "prescreening-idempotency",
    # approval
    "APPROVAL_STATE_MACHINE_ARN": f"{STATE_MACHINES}:approval",
    "APPROVAL_REQUESTS_TABLE": "approval-requests",
    "APPROVAL_DOUBLE_IDEMPOTENCY_TABLE": "approval-double-idempotency",
    "APPROVAL_IDEMPOTENCY_TABLE": "approval-idempotency",
    "APPROVAL_LINK_KEY_SECRET": "approval-link-key",
    "APPROVAL_API_URL": "https://api.example.com/dev",
    "APPROVAL_SENDER_EMAIL": "approvals@example.com",
    "APPROVAL_APPROVER_EMAIL": "approver@example.com",
    "APPROVAL_TIMEOUT_SECONDS": "600",
    # the staff authorizer (tests/unit/authorizer serves this issuer's key set)
    "AUTHORIZER_TOKEN_ISSUER": "https://issuer.example.com/pool",
    "AUTHORIZER_TOKEN_AUDIENCE": "workflows-api",
    "AUTHORIZER_JWKS_URL": "https://issuer.example.com/pool/.well-known/jwks.json",
    "AUTHORIZER_ROUTE_ROLES": (
        '{"GET /reviews": ["reviewer"], "POST /reviews/*": ["reviewer", "lead"]}'
    ),
    # reports
    "REPORTS_STATE_MACHINE_ARN": f"{STATE_MACHINES}:reports",
    "REPORTS_REPORTS_TABLE": "reports",
    "REPORTS_PROSPECT_ACTIVITY_TABLE": "prospect-activity",
    "REPORTS_BUCKET": "reports",
    "REPORTS_TOPIC_ARN": f"arn:aws:sns:us-east-1:{ACCOUNT}:reports",
    "REPORTS_SENDER_EMAIL": "reports@example.com",
    "REPORTS_MAX_RANGE_DAYS": "1096",
    "REPORTS_LINK_EXPIRY_SECONDS": "3600",
    "REPORTS_S3_ADDRESSING_STYLE": "path",
    # imports
    "IMPORTS_STATE_MACHINE_ARN": f"{STATE_MACHINES}:imports",
    "IMPORTS_TABLE": "imports",
}
os.environ.update(UNIT_ENVIRONMENT)


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "unit-test")
    for name, value in UNIT_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    from common.aws import clear_caches

    clear_caches()  # a client made outside moto would reach for real AWS
    yield
    clear_caches()


@dataclass
class LambdaContext:
    """What handlers and Powertools read of the Lambda context."""

    function_name: str = "unit-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:unit-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()
