"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.settings import FunctionSettings


class ReportsApiSettings(FunctionSettings):
    state_machine_arn: str = Field(alias="REPORTS_STATE_MACHINE_ARN")
    reports_table: str = Field(alias="REPORTS_REPORTS_TABLE")
    bucket: str = Field(alias="REPORTS_BUCKET")
    max_range_days: int = Field(alias="REPORTS_MAX_RANGE_DAYS", ge=1)
    # An inline Map's history stays well under Step Functions' 25,000 events up to this many.
    max_sub_reports: int = Field(default=1200, alias="REPORTS_MAX_SUB_REPORTS", ge=1)
    link_expiry_seconds: int = Field(alias="REPORTS_LINK_EXPIRY_SECONDS", ge=60, le=604800)
    s3_addressing_style: Literal["path", "virtual", "auto"] = Field(
        default="auto", alias="REPORTS_S3_ADDRESSING_STYLE"
    )


class SplitSettings(FunctionSettings):
    reports_table: str = Field(alias="REPORTS_REPORTS_TABLE")


class GenerateSubReportSettings(FunctionSettings):
    activity_table: str = Field(alias="REPORTS_PROSPECT_ACTIVITY_TABLE")
    reports_table: str = Field(alias="REPORTS_REPORTS_TABLE")
    bucket: str = Field(alias="REPORTS_BUCKET")


class MergeSettings(FunctionSettings):
    bucket: str = Field(alias="REPORTS_BUCKET")
    # S3's multipart parts are 5 MiB at least; the merge holds about one part in memory.
    part_bytes: int = Field(default=8 * 1024 * 1024, alias="REPORTS_MERGE_PART_BYTES", ge=5242880)


class NotifySettings(FunctionSettings):
    reports_table: str = Field(alias="REPORTS_REPORTS_TABLE")
    bucket: str = Field(alias="REPORTS_BUCKET")
    topic_arn: str = Field(alias="REPORTS_TOPIC_ARN")
    sender_email: str = Field(alias="REPORTS_SENDER_EMAIL")
    link_expiry_seconds: int = Field(alias="REPORTS_LINK_EXPIRY_SECONDS", ge=60, le=604800)
    s3_addressing_style: Literal["path", "virtual", "auto"] = Field(
        default="auto", alias="REPORTS_S3_ADDRESSING_STYLE"
    )
