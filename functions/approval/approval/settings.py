"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field, HttpUrl

from common.settings import FunctionSettings, env_names


class ApprovalSettings(FunctionSettings, alias_generator=env_names("APPROVAL_")):
    """Each field is read from the variable APPROVAL_<FIELD NAME>."""


class CalculationsApiSettings(ApprovalSettings):
    state_machine_arn: str
    requests_table: str
    # Calculations' Idempotency-Keys and their first answers.
    idempotency_table: str


class ValidationSettings(ApprovalSettings):
    # The template's ApprovalTimeoutSeconds: the default and the most a request may ask for.
    timeout_seconds: int = Field(ge=1)


class CalculateSettings(ApprovalSettings):
    # Empty means "the stack's own /double" (under api_url): the third party lives in this stack
    # by default.
    double_api_url: str = ""
    api_url: HttpUrl
    double_api_timeout_seconds: float = 5.0

    @property
    def double_url(self) -> str:
        return self.double_api_url or f"{str(self.api_url).rstrip('/')}/double"


class DoubleSettings(ApprovalSettings):
    double_idempotency_table: str


class DecisionSettings(ApprovalSettings):
    """Taking a decision through an approval link: the request it answers, the links' key."""

    requests_table: str
    link_key_secret: str


class RequestApprovalSettings(DecisionSettings):
    """Sending the links needs what taking their decision does, and where to send them."""

    api_url: HttpUrl
    sender_email: str
    approver_email: str
