"""Each function's settings: read by its handler module at cold start (common.settings)."""

from decimal import Decimal

from pydantic import Field

from common.settings import FunctionSettings
from payroll.logic.timesheet import LARGEST_AMOUNT, TimesheetLimits

# Parallel S3 uploads inside one invocation (boto3's default connection pool is 10).
UPLOAD_WORKERS = 10


class StartPayrollSettings(FunctionSettings):
    state_machine_arn: str = Field(alias="PAYROLL_STATE_MACHINE_ARN")


class ProcessDataSettings(FunctionSettings):
    processed_data_bucket: str = Field(alias="PAYROLL_PROCESSED_DATA_BUCKET")
    # Employees per paystub batch: one Map iteration, one Lambda invocation.
    paystub_batch_size: int = Field(250, ge=1, le=5000, alias="PAYROLL_PAYSTUB_BATCH_SIZE")
    # The template's PayrollMaxHourlyRate and PayrollMaxFileBytes parameters.
    max_hourly_rate: Decimal = Field(
        Decimal(1000), gt=0, lt=LARGEST_AMOUNT, alias="PAYROLL_MAX_HOURLY_RATE"
    )
    # A whole file is parsed in memory: 20 MiB (about 400,000 rows) peaked at 530 MB of the
    # function's 1 GB when parsed and split per employee.
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1, alias="PAYROLL_MAX_FILE_BYTES")

    @property
    def timesheet_limits(self) -> TimesheetLimits:
        return TimesheetLimits(self.max_hourly_rate, self.max_file_bytes)


class GeneratePaystubsSettings(FunctionSettings):
    processed_data_bucket: str = Field(alias="PAYROLL_PROCESSED_DATA_BUCKET")
    paystubs_bucket: str = Field(alias="PAYROLL_PAYSTUBS_BUCKET")
    social_security_rate: Decimal = Field(ge=0, lt=1, alias="PAYROLL_SOCIAL_SECURITY_RATE")
    medicare_rate: Decimal = Field(ge=0, lt=1, alias="PAYROLL_MEDICARE_RATE")
    income_tax_rate: Decimal = Field(ge=0, lt=1, alias="PAYROLL_INCOME_TAX_RATE")


class CollectRollupSettings(FunctionSettings):
    paystubs_bucket: str = Field(alias="PAYROLL_PAYSTUBS_BUCKET")
