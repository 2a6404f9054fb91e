"""Each function's settings: read by its handler module at cold start (common.settings)."""

from decimal import Decimal

from pydantic import Field

from common.settings import FunctionSettings, env_names
from payroll.logic.timesheet import LARGEST_AMOUNT, TimesheetLimits

# Parallel S3 uploads inside one invocation (boto3's default connection pool is 10).
UPLOAD_WORKERS = 10


class PayrollSettings(FunctionSettings, alias_generator=env_names("PAYROLL_")):
    """Each field is read from the variable PAYROLL_<FIELD NAME>."""


class StartPayrollSettings(PayrollSettings):
    state_machine_arn: str


class ProcessDataSettings(PayrollSettings):
    processed_data_bucket: str
    # Employees per paystub batch: one Map iteration, one Lambda invocation.
    paystub_batch_size: int = Field(250, ge=1, le=5000)
    # The template's PayrollMaxHourlyRate and PayrollMaxFileBytes parameters.
    max_hourly_rate: Decimal = Field(Decimal(1000), gt=0, lt=LARGEST_AMOUNT)
    # A whole file is parsed in memory: 20 MiB (about 400,000 rows) peaked at 530 MB of the
    # function's 1 GB when parsed and split per employee.
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1)

    @property
    def timesheet_limits(self) -> TimesheetLimits:
        return TimesheetLimits(self.max_hourly_rate, self.max_file_bytes)


class GeneratePaystubsSettings(PayrollSettings):
    processed_data_bucket: str
    paystubs_bucket: str
    social_security_rate: Decimal = Field(ge=0, lt=1)
    medicare_rate: Decimal = Field(ge=0, lt=1)
    income_tax_rate: Decimal = Field(ge=0, lt=1)


class CollectRollupSettings(PayrollSettings):
    paystubs_bucket: str
