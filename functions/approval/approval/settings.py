"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field, HttpUrl

from common.settings import FunctionSettings


class CalculationsApiSettings(FunctionSettings):
    state_machine_arn: str = Field(alias="APPROVAL_STATE_MACHINE_ARN")
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")
    # Calculations' Idempotency-Keys and their first answers.
    idempotency_table: str = Field(alias="APPROVAL_IDEMPOTENCY_TABLE")


class ValidationSettings(FunctionSettings):
    # The template's ApprovalTimeoutSeconds: the default and the most a request may ask for.
    approval_timeout_seconds: int = Field(alias="APPROVAL_TIMEOUT_SECONDS", ge=1)


class CalculateSettings(FunctionSettings):
    # Empty means "the stack's own /double": the third party lives in this stack by default.
    double_api_url: str = Field(default="", alias="APPROVAL_DOUBLE_API_URL")
    own_api_url: HttpUrl = Field(alias="APPROVAL_API_URL")
    double_api_timeout_seconds: float = Field(
        default=5.0, alias="APPROVAL_DOUBLE_API_TIMEOUT_SECONDS"
    )

    @property
    def double_url(self) -> str:
        return self.double_api_url or f"{str(self.own_api_url).rstrip('/')}/double"


class DoubleSettings(FunctionSettings):
    idempotency_table: str = Field(alias="APPROVAL_DOUBLE_IDEMPOTENCY_TABLE")


class RequestApprovalSettings(FunctionSettings):
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")
    link_key_secret: str = Field(alias="APPROVAL_LINK_KEY_SECRET")
    api_url: HttpUrl = Field(alias="APPROVAL_API_URL")
    sender_email: str = Field(alias="APPROVAL_SENDER_EMAIL")
    approver_email: str = Field(alias="APPROVAL_APPROVER_EMAIL")


class DecisionSettings(FunctionSettings):
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")
    link_key_secret: str = Field(alias="APPROVAL_LINK_KEY_SECRET")
