"""The functions' settings, read from the environment once per process."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    application_stream: str = Field("", alias="APPLICATION_STREAM_NAME")
    state_machine_arn: str = Field("", alias="STATE_MACHINE_ARN")
    rejected_queue_url: str = Field("", alias="REJECTED_APPLICATIONS_QUEUE_URL")
    applications_table: str = Field("", alias="APPLICATIONS_TABLE")
    screening_log_table: str = Field("", alias="SCREENING_LOG_TABLE")
    # The bureau's report endpoint; empty means the stack's own sandbox bureau.
    credit_bureau_url: str = Field("", alias="CREDIT_BUREAU_URL")
    sandbox_credit_bureau_url: str = Field("", alias="SANDBOX_CREDIT_BUREAU_URL")
    credit_bureau_timeout_seconds: float = Field(5.0, alias="CREDIT_BUREAU_TIMEOUT_SECONDS")

    @property
    def bureau_url(self) -> str:
        return self.credit_bureau_url or self.sandbox_credit_bureau_url


@cache
def settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
