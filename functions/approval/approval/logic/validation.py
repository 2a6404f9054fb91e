"""IsInputValid: x and y must both be integers; the approval timeout is optional and bounded."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from approval.models import Calculation
from common.errors import field_errors


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")

    x: StrictInt
    y: StrictInt
    approval_timeout_seconds: StrictInt | None = Field(default=None, alias="approvalTimeoutSeconds")


@dataclass(frozen=True)
class Validation:
    calculation: Calculation | None
    problems: list[str]

    @property
    def valid(self) -> bool:
        return self.calculation is not None

    def as_output(self) -> dict:
        return {
            "valid": self.valid,
            "calculation": self.calculation.model_dump() if self.calculation else None,
            "problems": self.problems,
        }


def validate_request(raw: object, max_timeout_seconds: int) -> Validation:
    """Check a calculation request. A missing timeout takes the configured one; a longer one
    than configured is refused, so a requester can shorten the approver's time but never
    extend it."""
    if not isinstance(raw, dict):
        return Validation(None, ["the input must be a JSON object with integers x and y"])
    try:
        request = _Request.model_validate(raw)
    except ValidationError as error:
        return Validation(None, field_errors(error))
    timeout = request.approval_timeout_seconds
    if timeout is None:
        timeout = max_timeout_seconds
    elif not 1 <= timeout <= max_timeout_seconds:
        return Validation(
            None, [f"approvalTimeoutSeconds must be between 1 and {max_timeout_seconds}"]
        )
    return Validation(Calculation(x=request.x, y=request.y, approval_timeout_seconds=timeout), [])
