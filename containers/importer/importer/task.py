"""The import task: stream the object, validate each line, write the good rows in batches with a
checkpoint after each group, and list the refused rows (line and reason) beside the import.

Settings come from the task's environment (the state machine's container overrides name the
object and the import); its AWS credentials are the task role's.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass

import boto3

from importer import progress
from importer.batches import write_items
from importer.rows import COLUMNS, Refusal, activity_item

REPLACEMENT = "\ufffd"  # what a byte that is not UTF-8 decodes to
# Set by SIGTERM (StopTask, a stopped execution): the task stops after its next checkpoint, well
# within the container's stopTimeout, so a retry redoes no more than one group of rows.
stop_requested = threading.Event()


class Stopped(Exception):
    """The task was asked to stop; everything up to its last checkpoint is written."""


@dataclass(frozen=True)
class Settings:
    bucket: str
    object_key: str
    object_version: str | None
    import_id: str
    organisation_id: str
    activity_table: str
    imports_table: str
    checkpoint_rows: int = 5000

    @classmethod
    def from_environment(cls, env=os.environ) -> Settings:
        return cls(
            bucket=env["IMPORTS_BUCKET"],
            object_key=env["IMPORTS_OBJECT_KEY"],
            object_version=env.get("IMPORTS_OBJECT_VERSION") or None,
            import_id=env["IMPORTS_IMPORT_ID"],
            organisation_id=env["IMPORTS_ORGANISATION_ID"],
            activity_table=env["IMPORTS_ACTIVITY_TABLE"],
            imports_table=env["IMPORTS_TABLE"],
            checkpoint_rows=int(env.get("IMPORTS_CHECKPOINT_ROWS", "5000")),
        )


@dataclass
class Counts:
    rows: int = 0
    imported: int = 0
    refused: int = 0
    resumed_from_line: int = 0

    def totals(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "refused": self.refused,
            "resumedFromLine": self.resumed_from_line,
        }


def refused_rows_key(object_key: str) -> str:
    """Beside the import, under a name the imports trigger (.csv, .csv.gz) does not match."""
    return f"{object_key}.refused"


def lines_of(body, object_key: str):
    raw = gzip.GzipFile(fileobj=body) if object_key.endswith(".gz") else body
    return csv.reader(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))


def run(s3, dynamodb, settings: Settings, refused_out) -> Counts:
    """Import the object; the refused rows go to refused_out as `line,reason` CSV."""
    resume = progress.started(dynamodb, settings.imports_table, settings.import_id)
    request = {"Bucket": settings.bucket, "Key": settings.object_key}
    if settings.object_version:
        request["VersionId"] = settings.object_version
    reader = lines_of(s3.get_object(**request)["Body"], settings.object_key)
    if tuple(next(reader, ())) != COLUMNS:
        raise ValueError(f"the header is not {','.join(COLUMNS)}")
    refusals = csv.writer(refused_out, lineterminator="\n")
    refusals.writerow(["line", "reason"])
    counts = Counts(resumed_from_line=resume.checkpoint_line)
    pending: list[dict] = []
    for cells in reader:
        line = reader.line_num
        counts.rows += 1
        item = activity_item(settings.organisation_id, line, cells)
        if not isinstance(item, Refusal) and any(REPLACEMENT in cell for cell in cells):
            item = Refusal(line, "the line is not UTF-8")
        if isinstance(item, Refusal):
            counts.refused += 1
            refusals.writerow([item.line, item.reason])
            continue
        counts.imported += 1
        if line <= resume.checkpoint_line:
            continue  # an earlier attempt wrote it
        pending.append(item)
        if len(pending) >= settings.checkpoint_rows:
            save(dynamodb, settings, pending, line, counts)
            pending = []
            if stop_requested.is_set():
                raise Stopped(f"stopped after line {line}")
    if pending:
        save(dynamodb, settings, pending, reader.line_num, counts)
    return counts


def save(dynamodb, settings: Settings, items: list[dict], line: int, counts: Counts) -> None:
    write_items(dynamodb, settings.activity_table, items)
    progress.checkpoint(
        dynamodb, settings.imports_table, settings.import_id, line, counts.imported, counts.refused
    )


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.set())
    settings = Settings.from_environment()
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as refused_out:
        try:
            counts = run(s3, dynamodb, settings, refused_out)
        except Stopped as stopped:
            print(json.dumps({"message": str(stopped), "importId": settings.import_id}))
            sys.exit(128 + signal.SIGTERM)
        refused_out.seek(0)
        refused_key = refused_rows_key(settings.object_key)
        s3.put_object(
            Bucket=settings.bucket,
            Key=refused_key,
            Body=refused_out.read().encode(),
            ContentType="text/csv",
        )
    totals = counts.totals()
    progress.finished(dynamodb, settings.imports_table, settings.import_id, totals, refused_key)
    # Counts only: the rows hold personal data.
    summary = {"message": "import finished", "importId": settings.import_id, **totals}
    print(json.dumps(summary), file=sys.stdout, flush=True)
