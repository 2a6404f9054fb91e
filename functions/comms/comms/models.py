"""What the communications API takes and what the queue carries (pydantic)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_BODY_CHARACTERS = 10_000
OPERATION = "send.communications"
# A plausible address or phone number; the provider is the judge of the rest (SNS wants E.164,
# so a national-format number passes here and is refused there, as in production).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


class Status(StrEnum):
    QUEUED = "QUEUED"  # stored, its message on the queue
    SENDING = "SENDING"  # claimed by the worker for one attempt
    RETRYING = "RETRYING"  # an attempt failed; its message waits in the dead-letter queue
    FAILED = "FAILED"  # every queue attempt failed: the retry workflow's to re-send
    RESENDING = "RESENDING"  # claimed by the re-send endpoint
    SENT = "SENT"
    MANUAL = "MANUAL"  # failed too many times in all: a person must handle it


class NewCommunication(BaseModel):
    """POST /communications: composed elsewhere, stored here with the sent flag at 0."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["email", "sms"]
    recipient: str = Field(min_length=1, max_length=254)
    subject: str | None = Field(None, max_length=998, validate_default=True)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARACTERS)

    @field_validator("recipient")
    @classmethod
    def _recipient_fits_type(cls, recipient: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        if kind == "email" and not EMAIL.match(recipient):
            raise ValueError("not an email address")
        if kind == "sms" and not PHONE.match(recipient):
            raise ValueError("not a phone number")
        return recipient

    @field_validator("subject")
    @classmethod
    def _email_has_subject(cls, subject: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("type") == "email" and not subject:
            raise ValueError("an email needs a subject")
        return subject


class SendRequest(BaseModel):
    """The queue's message: which communication, who created it and when (never its recipient or
    body), plus the attempt it is for."""

    primaryId: str = Field(min_length=1)
    operation: Literal["send.communications"] = OPERATION
    createdBy: str
    created: str
    attempt: int = Field(1, ge=1)


class FailedQuery(BaseModel):
    """GET /communications/failed's filters."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["email", "sms"] | None = None
    created_by: str | None = Field(None, alias="createdBy", min_length=1)
    created_after: datetime | None = Field(None, alias="createdAfter")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None
