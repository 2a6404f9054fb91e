"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.settings import FunctionSettings, env_names


class ReportsSettings(FunctionSettings, alias_generator=env_names("REPORTS_")):
    """Each field is read from the variable REPORTS_<FIELD NAME>."""


class ReportLinkSettings(ReportsSettings):
    """The functions that hand out a finished report's download link: its record, its object
    and how long the link works."""

    reports_table: str
    bucket: str
    # At most an hour: anyone holding the link can download the organisation's prospects.
    link_expiry_seconds: int = Field(ge=60, le=3600)
    s3_addressing_style: Literal["path", "virtual", "auto"] = "auto"


class ReportsApiSettings(ReportLinkSettings):
    state_machine_arn: str
    max_range_days: int = Field(ge=1)
    # An inline Map's history stays well under Step Functions' 25,000 events up to this many.
    max_sub_reports: int = Field(default=1200, ge=1)


class SweepSettings(ReportsSettings):
    reports_table: str
    state_machine_arn: str


class SplitSettings(ReportsSettings):
    reports_table: str


class GenerateSubReportSettings(ReportsSettings):
    prospect_activity_table: str
    reports_table: str
    bucket: str


class MergeSettings(ReportsSettings):
    bucket: str
    # S3's multipart parts are 5 MiB at least; the merge holds about one part in memory.
    merge_part_bytes: int = Field(default=8 * 1024 * 1024, ge=5242880)


class NotifySettings(ReportLinkSettings):
    """Notify, and the failure notice."""

    topic_arn: str
    sender_email: str
