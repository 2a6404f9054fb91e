"""The marker test for payroll: a timesheet whose employees have marker names and distinctive
rates (so their pay is distinctive too) runs end to end from its upload; then every log group,
execution history, queue, SNS message (the run's notification included) is read back: no
name, rate or employee's pay is in any (they are in the paystubs, the rollup and the report)."""

from __future__ import annotations

import time
import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest

from devkit.local_cloud import wait_until
from support.payroll import timesheet, upload_and_wait
from support.privacy import everywhere, markers_found, queue_on_every_topic

pytestmark = pytest.mark.localcloud

# (employee id, name, date, job, hours, rate): names, rates and pay are the markers.
ROWS = [
    ("E71", "Zqxmarker Payname", "2026-11-02", "DEV", "7.25", "83.17"),
    ("E72", "Vwykmarker Zqxpayee", "2026-11-03", "OPS", "6.5", "91.13"),
]


def gross_pay(row) -> str:
    amount = Decimal(row[4]) * Decimal(row[5])
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


MARKERS = [
    *(row[1] for row in ROWS),
    *(row[5] for row in ROWS),
    *(gross_pay(row) for row in ROWS),
]


def test_no_name_rate_or_pay_reaches_a_log_history_queue_or_message(stack_outputs):
    started = time.time()
    key = f"privacy/{uuid.uuid4().hex[:10]}/timesheet.csv"
    with queue_on_every_topic(stack_outputs) as published:
        # GIVEN a timesheet with marker names and pay, uploaded to the raw-data bucket
        # WHEN its run finishes (paystubs, rollup, report, notification)
        _, execution = upload_and_wait(stack_outputs, key, timesheet(ROWS))
        assert execution.status == "SUCCEEDED", execution.cause
        run = execution.arn.rsplit(":", 1)[-1]
        caught = wait_until(
            lambda: [m for m in published() if run in m] and published(),
            60,
            what="the run's notification",
        )
        places = everywhere(stack_outputs, started, caught, answers=[])
    # THEN no marker is in any of them
    assert markers_found(places, MARKERS) == {}
    # AND the places read did hold this run
    for where in ("execution", "sns message"):
        assert run in "\n".join(places[where].values()), where
