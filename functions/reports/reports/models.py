"""The workflow's inputs and outputs."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Sub-ranges of up to a month: one sub-report of one organisation fits its function's memory.
MAX_SUB_RANGE_DAYS = 31


class ReportRequest(BaseModel):
    """The body of POST /reports: the inclusive days from..to of one organisation."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    organisation_id: str = Field(
        alias="organisationId", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"
    )
    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")
    # Refused when given: the report goes only to the caller's verified address, from the token.
    email: None = Field(default=None, exclude=True)
    sub_range_days: int = Field(default=7, alias="subRangeDays", ge=1, le=MAX_SUB_RANGE_DAYS)

    @field_validator("first_day", "last_day", mode="before")
    @classmethod
    def _iso_day(cls, value):
        # Only YYYY-MM-DD: pydantic would also take timestamps and numbers as dates.
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("must be a date as YYYY-MM-DD")
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _email_from_sign_in(cls, value):
        raise ValueError("not accepted: the report goes to your address, taken from your sign-in")

    @model_validator(mode="after")
    def _ordered(self) -> ReportRequest:
        if self.first_day > self.last_day:
            raise ValueError("from must not be after to")
        return self


class ReportJob(BaseModel):
    """The state machine's input: no personal data (the email stays in the reports table)."""

    report_id: str = Field(alias="reportId")
    organisation_id: str = Field(alias="organisationId")
    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")
    sub_range_days: int = Field(alias="subRangeDays", ge=1, le=MAX_SUB_RANGE_DAYS)


class SubReportTask(BaseModel):
    report_id: str = Field(alias="reportId")
    organisation_id: str = Field(alias="organisationId")
    index: int = Field(ge=0)
    start: date
    end: date


class MergeTask(BaseModel):
    report_id: str = Field(alias="reportId")
    organisation_id: str = Field(alias="organisationId")
    total: int = Field(ge=0)


class NotifyTask(BaseModel):
    report_id: str = Field(alias="reportId")
    row_count: int = Field(alias="rowCount", ge=0)
    key: str


class FailureTask(BaseModel):
    report_id: str = Field(alias="reportId")
    error: dict = Field(default_factory=dict)
