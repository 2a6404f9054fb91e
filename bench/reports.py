"""Reports workflow on the local cloud: throughput against a plain loop, and the merge's memory.

- end to end: one organisation's year of activity (BENCH_REPORTS_ROWS rows, 200,000 by
  default), one report over it (weekly sub-reports) from POST /reports until GET says
  SUCCEEDED: rows per second;
- the plain loop, in the same run: the same Query pages and the same CSV rows written in one
  process, one object put to S3 (what one background job would do): rows per second, and the
  ratio of the two (goal >= 0.25);
- MergeSubReports' own code run in a child process over parts of two sizes: its peak resident
  memory (goal: flat, under 128 MB). The child is the function as deployed: the local cloud's
  python3.13 runtime over the built function and layer (the tools' environment holds more, such
  as awscrt, which boto3's transfers would pick up).

  LOCAL_CLOUD_PORT=4578 make bench BENCH=reports
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import boto3

from devkit import PROJECT, prospect_activity, stack
from devkit.demos.reports import report_status, request_year_report
from devkit.local_cloud import local_aws, wait_until

# The merge function as the local cloud runs it: sam build's output and the runtime's interpreter.
BUILT = PROJECT / ".aws-sam" / "build"
LAMBDA_PYTHON = (
    Path(os.environ.get("LOCAL_CLOUD_HOME", PROJECT / ".local-cloud"))
    / "runtimes"
    / "python3.13"
    / "bin"
    / "python"
)

ROWS = int(os.environ.get("BENCH_REPORTS_ROWS", "200000"))
LOAD_WRITERS = int(os.environ.get("BENCH_REPORTS_LOAD_WRITERS", "4"))
MERGE_SIZES_MB = (16, 128)


def end_to_end(outputs: dict, organisation: str) -> tuple[int, float]:
    started = time.perf_counter()
    report_id, headers = request_year_report(outputs["ApiUrl"], organisation, "bench")

    def finished() -> dict | None:
        status = report_status(outputs["ApiUrl"], report_id, headers)
        return status if status["status"] != "RUNNING" else None

    status = wait_until(finished, 1800, interval=0.2, what=f"report {report_id}")
    elapsed = time.perf_counter() - started
    if status["status"] != "SUCCEEDED":
        raise RuntimeError(f"report failed: {status.get('reason')}")
    return status["rowCount"], elapsed


def plain_loop(outputs: dict, organisation: str) -> tuple[int, float]:
    """The same Query + CSV in one loop, one process, one PutObject."""
    from reports.dal.activity import activity_between
    from reports.logic.rows import HEADER, write_rows

    started = time.perf_counter()
    out = io.StringIO()
    out.write(HEADER)
    rows = write_rows(
        out,
        activity_between(
            outputs["ProspectActivityTableName"], organisation, date(2025, 1, 1), date(2026, 1, 1)
        ),
    )
    boto3.client("s3").put_object(
        Bucket=outputs["ReportsBucketName"],
        Key=f"bench/{organisation}.csv",
        Body=out.getvalue().encode(),
    )
    return rows, time.perf_counter() - started


MERGE_CHILD = """
import resource, sys
from reports.handlers.merge_sub_reports import merge
from reports.dal import storage
keys = [storage.part_key(sys.argv[1], i) for i in range(int(sys.argv[2]))]
rows = merge(keys, f"bench/{sys.argv[1]}.csv")
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def merge_peak_mb(bucket: str, size_mb: int) -> tuple[int, float]:
    """Upload size_mb of 4 MiB parts, run the merge's code in a child; its peak RSS in MB."""
    report_id = f"bench-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    line = b"2025-01-01T00:00:00Z,p1,Ada Okafor,ada@example.com,web,page_view,GB\n"
    part = line * (4 * 1024 * 1024 // len(line))
    count = max(size_mb // 4, 1)
    for index in range(count):
        s3.put_object(
            Bucket=bucket,
            Key=f"parts/{report_id}/{index:05d}.csv",
            Body=part,
            Metadata={"rows": str(part.count(b"\n"))},
        )
    env = {
        **os.environ,
        **local_aws(),
        "PYTHONPATH": os.pathsep.join(
            [
                str(BUILT / "ReportsWorkflow" / "ReportsMergeSubReportsFunction"),
                str(BUILT / "CommonLayer" / "python"),
            ]
        ),
        "REPORTS_BUCKET": bucket,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "reports",
    }
    result = subprocess.run(
        [str(LAMBDA_PYTHON), "-c", MERGE_CHILD, report_id, str(count)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows, max_rss_kb = result.stdout.split()
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": f"parts/{report_id}/{i:05d}.csv"} for i in range(count)]},
    )
    return int(rows), int(max_rss_kb) / 1024


def load_year(outputs: dict, organisation: str) -> int:
    """About ROWS rows on uneven days of 2025 (the mean per day calibrated once)."""
    first, last = date(2025, 1, 1), date(2025, 12, 31)
    mean = ROWS / 365
    trial = sum(1 for _ in prospect_activity.sample_activity(organisation, first, last, mean))
    items = prospect_activity.sample_activity(organisation, first, last, mean * ROWS / trial)
    table = boto3.resource("dynamodb").Table(outputs["ProspectActivityTableName"])
    started = time.perf_counter()
    loaded = prospect_activity.load(table, items, writers=LOAD_WRITERS)
    print(
        f"loaded {loaded} rows of {organisation} over 2025 in {time.perf_counter() - started:.0f} s"
        f" ({LOAD_WRITERS} writers)"
    )
    return loaded


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows while it runs
    os.environ.update(local_aws())
    outputs = stack.outputs()
    organisation = f"bench-{uuid.uuid4().hex[:6]}"
    loaded = load_year(outputs, organisation)
    flow_rows, flow_s = end_to_end(outputs, organisation)
    loop_rows, loop_s = plain_loop(outputs, organisation)
    assert flow_rows == loop_rows == loaded, (flow_rows, loop_rows, loaded)
    flow_rate, loop_rate = flow_rows / flow_s, loop_rows / loop_s
    print(f"\n{'':<34}{'rows':>9}{'seconds':>9}{'rows/s':>10}")
    print(f"{'workflow (POST -> SUCCEEDED)':<34}{flow_rows:>9}{flow_s:>9.1f}{flow_rate:>10.0f}")
    print(f"{'plain loop (Query + CSV + put)':<34}{loop_rows:>9}{loop_s:>9.1f}{loop_rate:>10.0f}")
    print(f"ratio workflow / plain loop: {flow_rate / loop_rate:.2f} (goal >= 0.25)")

    print(f"\n{'merge over parts of':<22}{'rows':>10}{'peak RSS MB':>13}")
    for size in MERGE_SIZES_MB:
        rows, peak = merge_peak_mb(outputs["ReportsBucketName"], size)
        print(f"{f'{size} MB':<22}{rows:>10}{peak:>13.0f}")
    print("(goal: flat across sizes, under 128 MB)")


if __name__ == "__main__":
    main()
