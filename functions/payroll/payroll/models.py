"""What flows between the payroll states, and the errors the workflow names.

The state carries S3 keys and counts, never timesheet data: the 256 KB state limit must hold
for any number of employees.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class InvalidPayrollFile(Exception):
    """The raw file cannot be paid from; the message names every line and column at fault."""


class StateModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PayrollState(StateModel):
    """The execution's state; each task adds its part and passes the rest through."""

    bucket: str
    key: str
    uploaded_at: datetime = Field(alias="uploadedAt")
    version_id: str | None = Field(None, alias="versionId")

    def with_result(self, completed_task: str, drop: tuple[str, ...] = (), **parts: object) -> dict:
        state = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        for name in drop:
            state.pop(name, None)
        state.update(parts, completedTask=completed_task)
        return state


class PayPeriod(StateModel):
    start: date
    end: date


class PaystubBatch(StateModel):
    """One Map item: a batch file of the processed data, the run's prefix and pay period."""

    batch_key: str = Field(alias="batchKey")
    prefix: str
    period: PayPeriod


class PaystubBatchResult(StateModel):
    rollup_part_key: str = Field(alias="rollupPartKey")
    paystubs: int


class RollupRequest(PayrollState):
    prefix: str
    paystub_batches: list[PaystubBatchResult] = Field(alias="paystubBatches")


class PaystubsWritten(StateModel):
    bucket: str
    prefix: str
    rollup_key: str = Field(alias="rollupKey")
    count: int


class ReportRequest(PayrollState):
    prefix: str
    paystubs: PaystubsWritten
