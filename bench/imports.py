"""Imports workflow on the local cloud: throughput against a plain loop, and the task's memory.

- end to end: one gzipped file of BENCH_IMPORTS_ROWS rows (1,000,000 by default) put in the
  imports bucket, until its execution has SUCCEEDED (the quick check, the Fargate task run as a
  host process, the counts read back): rows per second;
- the plain loop, in the same run: the same rows written with BatchWriteItem (boto3's batch
  writer) from one process: rows per second, and the ratio of the two (goal >= 0.5);
- the importer process's peak resident memory (VmHWM), read from /proc while it runs, for the
  full file and one a tenth of its size (goal: flat whatever the size, at most 256 MiB).

  LOCAL_CLOUD_PORT=4578 make bench BENCH=imports
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import boto3

from devkit import prospect_activity, stack
from devkit.local_cloud import local_aws

ROWS = int(os.environ.get("BENCH_IMPORTS_ROWS", "1000000"))


def rows(organisation: str, count: int):
    for number in range(count):
        seconds = number * 7
        day, rest = divmod(seconds, 86400)
        at = f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{rest // 3600:02d}:"
        at += f"{rest // 60 % 60:02d}:{rest % 60:02d}Z"
        yield {
            "organisationId": organisation,
            "occurredKey": f"{at}#{number:08d}",
            "occurredAt": at,
            "prospectId": f"{organisation}-p{number % 5000:05d}",
            "prospectName": f"Prospect {number % 5000}",
            "prospectEmail": f"p{number % 5000}@example.com",
            "channel": "web",
            "eventType": "page_view",
            "country": "GB",
        }


class PeakMemory:
    """The largest VmHWM of the processes whose environment names the object key."""

    def __init__(self, key: str):
        self.marker = f"IMPORTS_OBJECT_KEY={key}".encode()
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(0.2):
            for proc in Path("/proc").iterdir():
                try:
                    if proc.name.isdigit() and self.marker in (proc / "environ").read_bytes():
                        status = (proc / "status").read_text()
                        kib = int(status.split("VmHWM:")[1].split()[0])
                        self.peak_kib = max(self.peak_kib, kib)
                except (OSError, IndexError, ValueError):
                    continue


def end_to_end(outputs: dict, organisation: str, count: int) -> tuple[float, float]:
    """Seconds from the upload to SUCCEEDED, and the task's peak memory in MiB."""
    key = f"imports/{organisation}/bench.csv.gz"
    # Written to a file a row at a time, so the benchmark stays flat whatever the rows (the
    # file built in memory took 125 MB for 300,000 rows: about 400 MB for a million).
    with tempfile.TemporaryFile() as body:
        with gzip.open(body, "wt", compresslevel=1, encoding="utf-8", newline="") as text:
            prospect_activity.write_import_file(rows(organisation, count), text)
        body.seek(0)
        with PeakMemory(key) as memory:
            started = time.perf_counter()
            execution = prospect_activity.import_activity(outputs, key, body, timeout=7200)
            elapsed = time.perf_counter() - started
    if execution.status != "SUCCEEDED" or execution.output["imported"] != count:
        raise RuntimeError(f"the import did not import {count} rows: {execution.output}")
    return elapsed, memory.peak_kib / 1024


def plain_loop(outputs: dict, organisation: str, count: int) -> float:
    table = boto3.resource("dynamodb").Table(outputs["ProspectActivityTableName"])
    started = time.perf_counter()
    written = prospect_activity.load(table, rows(organisation, count))
    assert written == count
    return time.perf_counter() - started


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    os.environ.update(local_aws())
    outputs = stack.outputs()
    run = uuid.uuid4().hex[:6]
    flow_s, peak = end_to_end(outputs, f"bench-{run}", ROWS)
    loop_s = plain_loop(outputs, f"bench-loop-{run}", ROWS)
    small_s, small_peak = end_to_end(outputs, f"bench-small-{run}", ROWS // 10)
    flow_rate, loop_rate = ROWS / flow_s, ROWS / loop_s
    print(f"\n{'':<36}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'peak MiB':>10}")
    print(
        f"{'import (upload -> SUCCEEDED)':<36}{ROWS:>9}{flow_s:>9.1f}{flow_rate:>9.0f}{peak:>10.0f}"
    )
    tenth = f"{'import, a tenth of the rows':<36}{ROWS // 10:>9}{small_s:>9.1f}{'':>9}"
    print(f"{tenth}{small_peak:>10.0f}")
    print(f"{'plain loop (BatchWriteItem)':<36}{ROWS:>9}{loop_s:>9.1f}{loop_rate:>9.0f}")
    print(f"ratio import / plain loop: {flow_rate / loop_rate:.2f} (goal >= 0.5)")
    print("task peak memory: flat across sizes, at most 256 MiB (goal)")


if __name__ == "__main__":
    main()
