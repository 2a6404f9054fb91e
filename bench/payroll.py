"""Payroll at scale: 10,000 employees end to end on the local cloud.

Uploads one raw timesheet of 10,000 employees (two weeks each) to the deployed stack's raw-data
bucket and times the run from upload to the execution's end. In the same run it draws the same
paystubs with reportlab alone (no S3, no Lambda, no Step Functions) for the baseline, and
samples the local cloud's memory (PSS, and RSS, summed over the LocalStack process group, which
holds its Lambda handler processes) throughout.

    LOCAL_CLOUD_PORT=4571 make bench BENCH=payroll
"""

from __future__ import annotations

import io
import os
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

from devkit import stack
from devkit.local_cloud import client, local_cloud_pid, memory, wait_for_execution, wait_until
from payroll.logic.earnings import WithholdingRates, compute_paystub
from payroll.logic.paystub_pdf import render_paystub
from payroll.logic.timesheet import TimesheetLimits, by_employee, parse_timesheet

EMPLOYEES = int(os.environ.get("PAYROLL_BENCH_EMPLOYEES", "10000"))
BASELINE_PAYSTUBS = 2000
GOAL_PAYSTUBS_PER_S = 100
GOAL_RATIO = 0.25
MONDAY = date(2026, 11, 2)


def timesheet(employees: int) -> bytes:
    """Each employee: two jobs a week over two ISO weeks, some weeks with overtime."""
    rng = random.Random(2)
    out = io.StringIO()
    out.write("employee_id,employee_name,date,job_code,hours,hourly_rate\n")
    for number in range(employees):
        rate = rng.randrange(18, 60)
        employee = f"E{number:05d},Employee {number}"
        for week in range(2):
            monday = MONDAY + timedelta(days=7 * week)
            thursday = monday + timedelta(days=3)
            # At most 24 hours a day (ProcessData refuses more); 40+ hours a week: overtime.
            long_day, short_day = rng.randrange(16, 25), rng.randrange(8, 24)
            out.write(f"{employee},{monday},JOB{number % 7},{long_day},{rate}\n")
            out.write(f"{employee},{thursday},JOB{(number + 1) % 7},{short_day},{rate + 5}\n")
    return out.getvalue().encode()


def raw_reportlab_rate(data: bytes, count: int) -> float:
    """Paystubs per second drawn by reportlab alone, from the same timesheet."""
    rates = WithholdingRates(Decimal("0.062"), Decimal("0.0145"), Decimal("0.10"))
    limits = TimesheetLimits(max_hourly_rate=Decimal(1000), max_file_bytes=len(data))
    employees = list(by_employee(parse_timesheet(data, limits)).values())[:count]
    paystubs = [compute_paystub(entries, rates) for entries in employees]
    started = time.perf_counter()
    for paystub in paystubs:
        render_paystub(paystub)
    return len(paystubs) / (time.perf_counter() - started)


def s3_put_rate(bucket: str, count: int = 1000, workers: int = 10) -> float:
    """PUTs per second the local cloud's S3 takes of paystub-sized objects, in parallel: every
    paystub costs two (its processed CSV and its PDF), so half of this bounds the run."""
    s3 = client("s3", max_pool_connections=workers)
    body = b"%PDF" + bytes(3400)
    prefix = f"bench/s3-ceiling-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(
            pool.map(
                lambda n: s3.put_object(Bucket=bucket, Key=f"{prefix}/{n}", Body=body), range(count)
            )
        )
    return count / (time.perf_counter() - started)


class PeakMemory:
    """Samples the memory of a process group from /proc until stopped; keeps the peaks of two
    sums: PSS (each shared page split between the processes sharing it: what the group really
    holds) and RSS (shared pages counted in every process: Lambda workers forked from one parent
    share most of theirs)."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid = pid
        self.interval = interval
        self.peak = 0  # PSS
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> tuple[int, int]:
        """(PSS, RSS) in bytes, summed over the group."""
        found = memory(self.pid)
        return found.pss, found.rss

    def _run(self) -> None:
        while not self._stop.is_set():
            pss, rss = self.sample()
            self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    outputs = stack.outputs()
    s3, sfn = client("s3"), client("stepfunctions")
    data = timesheet(EMPLOYEES)
    key = f"bench/{uuid.uuid4().hex[:8]}/timesheet.csv"
    machine = outputs["PayrollStateMachineArn"]
    before = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}

    with PeakMemory(local_cloud_pid()) as memory:
        started = time.perf_counter()
        s3.put_object(Bucket=outputs["RawDataBucketName"], Key=key, Body=data)

        def new_execution():
            executions = sfn.list_executions(stateMachineArn=machine)["executions"]
            return [e["executionArn"] for e in executions if e["executionArn"] not in before]

        execution = wait_for_execution(wait_until(new_execution, 30, what="the run")[0], 900)
        elapsed = time.perf_counter() - started
        baseline = raw_reportlab_rate(data, BASELINE_PAYSTUBS)
        s3_ceiling = s3_put_rate(outputs["PaystubsBucketName"])
    if execution.status != "SUCCEEDED":
        sys.exit(f"the run {execution.status}: {execution.error} {execution.cause}")
    paystubs = execution.output["paystubs"]["count"]
    listed = sum(
        page.get("KeyCount", 0)
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=outputs["PaystubsBucketName"], Prefix=execution.output["paystubs"]["prefix"]
        )
    )
    rate = paystubs / elapsed
    ratio = rate / baseline
    rows = [
        ("employees in the file", f"{EMPLOYEES}", ""),
        ("paystub PDFs written (listed in S3)", f"{listed}", ""),
        ("end to end (upload -> run ended)", f"{elapsed:.1f} s", ""),
        ("paystubs/s end to end", f"{rate:.1f}", f"goal >= {GOAL_PAYSTUBS_PER_S}"),
        ("paystubs/s raw reportlab (same run)", f"{baseline:.1f}", ""),
        ("ratio end to end / raw", f"{ratio:.2f}", f"goal >= {GOAL_RATIO}"),
        ("local cloud S3 PUT/s (same run, 10 threads)", f"{s3_ceiling:.1f}", ""),
        ("paystubs/s bound by S3 (2 PUTs each)", f"{s3_ceiling / 2:.1f}", ""),
        ("local cloud peak memory (PSS)", f"{memory.peak / 2**20:.0f} MiB", "goal <= 1536 MiB"),
        ("local cloud peak memory (RSS summed)", f"{memory.peak_rss / 2**20:.0f} MiB", ""),
    ]
    print(f"\nPayroll benchmark ({EMPLOYEES} employees)")
    for name, value, goal in rows:
        print(f"  {name:40} {value:>12}  {goal}")


if __name__ == "__main__":
    main()
