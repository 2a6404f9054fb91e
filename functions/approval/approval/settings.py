"""Each function's settings, read from its environment once and validated at cold start."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CalculationsApiSettings(_Settings):
    state_machine_arn: str = Field(alias="APPROVAL_STATE_MACHINE_ARN")
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")


class ValidationSettings(_Settings):
    # The template's ApprovalTimeoutSeconds: the default and the most a request may ask for.
    approval_timeout_seconds: int = Field(alias="APPROVAL_TIMEOUT_SECONDS", ge=1)


class CalculateSettings(_Settings):
    # Empty means "the stack's own /double": the third party lives in this stack by default.
    double_api_url: str = Field(default="", alias="DOUBLE_API_URL")
    own_api_url: HttpUrl = Field(alias="OWN_API_URL")
    double_api_timeout_seconds: float = Field(default=5.0, alias="DOUBLE_API_TIMEOUT_SECONDS")

    @property
    def double_url(self) -> str:
        return self.double_api_url or f"{str(self.own_api_url).rstrip('/')}/double"


class DoubleSettings(_Settings):
    idempotency_table: str = Field(alias="DOUBLE_IDEMPOTENCY_TABLE")


class RequestApprovalSettings(_Settings):
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")
    link_key_secret: str = Field(alias="APPROVAL_LINK_KEY_SECRET")
    api_url: HttpUrl = Field(alias="APPROVAL_API_URL")
    sender_email: str = Field(alias="APPROVAL_SENDER_EMAIL")
    approver_email: str = Field(alias="APPROVAL_APPROVER_EMAIL")


class DecisionSettings(_Settings):
    requests_table: str = Field(alias="APPROVAL_REQUESTS_TABLE")
    link_key_secret: str = Field(alias="APPROVAL_LINK_KEY_SECRET")


@cache
def load[S: BaseModel](kind: type[S]) -> S:
    return kind.model_validate(dict(os.environ))
