"""What the approval workflow's functions receive and return, and the errors it names."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictInt

SUM_LIMIT = 250  # Calculate refuses sums over this (NumberIsTooBig).
DOUBLED_LIMIT = 500  # The third party refuses doubled numbers of this or more.


class NumberIsTooBig(Exception):
    """The sum of x and y is over SUM_LIMIT. Its class name is the error Step Functions sees."""


class ApprovalEmailInFlight(Exception):
    """Another attempt of the Approval state holds the claim to send its email and may still
    send it: the state retries once that claim's lease has lapsed."""


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def outcome(self) -> str:
        return "approved" if self is Decision.APPROVE else "rejected"


class Calculation(BaseModel):
    """A valid request: two integers and how long the approver has to decide."""

    x: int
    y: int
    approval_timeout_seconds: int = Field(alias="approvalTimeoutSeconds")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class CalculateTask(BaseModel):
    """Calculate's payload from the state machine."""

    x: StrictInt
    y: StrictInt
    task_token: str = Field(alias="taskToken", min_length=1)


class DoubleRequest(BaseModel):
    """The third-party /double API's request body."""

    number: StrictInt
    task_token: str = Field(alias="taskToken", min_length=1, max_length=4096)

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ApprovalTask(BaseModel):
    """The Approval state's payload: the calculation so far and the token to answer."""

    calculation_id: str = Field(alias="calculationId", min_length=1, max_length=80)
    execution_arn: str = Field(alias="executionArn")
    x: int
    y: int
    sum: int
    doubled: int
    timeout_seconds: int = Field(alias="timeoutSeconds", ge=1)
    task_token: str = Field(alias="taskToken", min_length=1)


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    TIMED_OUT = "TIMED_OUT"
    FAILED = "FAILED"  # set by the workflow's RecordFailure, with failureReason


class PendingApproval(BaseModel):
    """What the approvals table keeps for one calculation (the task token never leaves it)."""

    calculation_id: str
    execution_arn: str
    x: int
    y: int
    sum: int
    doubled: int
    expires: int  # epoch seconds; the links' expiry
    approver: str  # who the links were sent to: the one whose decision they carry
    status: ApprovalStatus = ApprovalStatus.PENDING
    task_token: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
