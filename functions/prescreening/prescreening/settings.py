"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field, model_validator

from common.settings import FunctionSettings


class TriggerSettings(FunctionSettings):
    state_machine_arn: str = Field(alias="PRESCREENING_STATE_MACHINE_ARN")
    rejected_queue_url: str = Field(alias="PRESCREENING_REJECTED_APPLICATIONS_QUEUE_URL")
    rejected_bucket: str = Field(alias="PRESCREENING_REJECTED_APPLICATIONS_BUCKET")
    applications_table: str = Field(alias="PRESCREENING_APPLICATIONS_TABLE")


class ApplicationsApiSettings(FunctionSettings):
    application_stream: str = Field(alias="PRESCREENING_APPLICATION_STREAM_NAME")
    applications_table: str = Field(alias="PRESCREENING_APPLICATIONS_TABLE")
    # Submissions' Idempotency-Keys and their first answers.
    idempotency_table: str = Field(alias="PRESCREENING_IDEMPOTENCY_TABLE")


class ApplicationsSettings(FunctionSettings):
    """Reviews API, Validate, the identity and affordability checks."""

    applications_table: str = Field(alias="PRESCREENING_APPLICATIONS_TABLE")


class ScreeningLogSettings(FunctionSettings):
    """Decide, the execution log."""

    screening_log_table: str = Field(alias="PRESCREENING_SCREENING_LOG_TABLE")


class ApplicationsAndLogSettings(FunctionSettings):
    """Request review, record decision."""

    applications_table: str = Field(alias="PRESCREENING_APPLICATIONS_TABLE")
    screening_log_table: str = Field(alias="PRESCREENING_SCREENING_LOG_TABLE")


class CreditCheckSettings(FunctionSettings):
    applications_table: str = Field(alias="PRESCREENING_APPLICATIONS_TABLE")
    # The bureau's report endpoint; empty means the stack's own sandbox bureau.
    credit_bureau_url: str = Field("", alias="PRESCREENING_CREDIT_BUREAU_URL")
    sandbox_credit_bureau_url: str = Field("", alias="PRESCREENING_SANDBOX_CREDIT_BUREAU_URL")
    credit_bureau_timeout_seconds: float = Field(
        5.0, gt=0, alias="PRESCREENING_CREDIT_BUREAU_TIMEOUT_SECONDS"
    )
    # The Secrets Manager secret whose value is the bureau's API key (the sandbox ignores it).
    credit_bureau_secret_arn: str = Field(
        min_length=1, alias="PRESCREENING_CREDIT_BUREAU_SECRET_ARN"
    )

    @model_validator(mode="after")
    def a_bureau(self) -> CreditCheckSettings:
        if not self.bureau_url:
            raise ValueError(
                "set PRESCREENING_CREDIT_BUREAU_URL or PRESCREENING_SANDBOX_CREDIT_BUREAU_URL"
            )
        return self

    @property
    def bureau_url(self) -> str:
        return self.credit_bureau_url or self.sandbox_credit_bureau_url
