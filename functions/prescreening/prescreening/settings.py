"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field, model_validator

from common.settings import FunctionSettings, env_names


class PreScreeningSettings(FunctionSettings, alias_generator=env_names("PRESCREENING_")):
    """Each field is read from the variable PRESCREENING_<FIELD NAME>."""


class ApplicationsSettings(PreScreeningSettings):
    """Reviews API, Validate, the identity and affordability checks; and the base of every
    function that reads or writes applications."""

    applications_table: str


class ScreeningLogSettings(PreScreeningSettings):
    """Decide, the execution log."""

    screening_log_table: str


class ApplicationsAndLogSettings(ApplicationsSettings, ScreeningLogSettings):
    """Request review, record decision."""


class TriggerSettings(ApplicationsSettings):
    state_machine_arn: str
    rejected_applications_queue_url: str
    rejected_applications_bucket: str


class ApplicationsApiSettings(ApplicationsSettings):
    application_stream_name: str
    # Submissions' Idempotency-Keys and their first answers.
    idempotency_table: str


class CreditCheckSettings(ApplicationsSettings):
    # The bureau's report endpoint; empty means the stack's own sandbox bureau.
    credit_bureau_url: str = ""
    sandbox_credit_bureau_url: str = ""
    credit_bureau_timeout_seconds: float = Field(5.0, gt=0)
    # The Secrets Manager secret whose value is the bureau's API key (the sandbox ignores it).
    credit_bureau_secret_arn: str = Field(min_length=1)

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
