"""The payroll functions' settings, read from the environment once per process."""

import os
from decimal import Decimal
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class PayrollSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    raw_data_bucket: str = Field("", validation_alias="RAW_DATA_BUCKET")
    processed_data_bucket: str = Field("", validation_alias="PROCESSED_DATA_BUCKET")
    paystubs_bucket: str = Field("", validation_alias="PAYSTUBS_BUCKET")
    state_machine_arn: str = Field("", validation_alias="PAYROLL_STATE_MACHINE_ARN")
    social_security_rate: Decimal = Field(
        Decimal("0.062"), ge=0, lt=1, validation_alias="SOCIAL_SECURITY_RATE"
    )
    medicare_rate: Decimal = Field(Decimal("0.0145"), ge=0, lt=1, validation_alias="MEDICARE_RATE")
    income_tax_rate: Decimal = Field(
        Decimal("0.10"), ge=0, lt=1, validation_alias="INCOME_TAX_RATE"
    )
    # Employees per paystub batch: one Map iteration, one Lambda invocation.
    paystub_batch_size: int = Field(250, ge=1, le=5000, validation_alias="PAYSTUB_BATCH_SIZE")
    # Parallel S3 uploads inside one invocation (boto3's default connection pool is 10).
    upload_workers: int = Field(10, ge=1, le=10, validation_alias="UPLOAD_WORKERS")


@cache
def settings() -> PayrollSettings:
    return PayrollSettings.model_validate(dict(os.environ))
