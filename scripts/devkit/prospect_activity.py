"""Realistic prospect activity for the reports workflow: uneven days (quiet weekends, busy
launches, empty days), rows on midnight boundaries, loaded into the ProspectActivity table.

The demo, the end-to-end tests and the benchmark load their data through here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import UTC, date, datetime, timedelta

CHANNELS = ("web", "email", "event", "chat", "referral")
EVENT_TYPES = ("page_view", "form_submitted", "email_opened", "webinar_joined", "call_booked")
COUNTRIES = ("GB", "US", "DE", "FR", "IN", "BR", "NG", "JP")
FIRST_NAMES = ("Ada", "Bram", "Chen", "Dara", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jon")
LAST_NAMES = ("Okafor", "Smith", "Novak", "Silva", "Tanaka", "Müller", "Dubois", "Patel")


def sample_activity(
    organisation_id: str, first: date, last: date, mean_per_day: float, seed: int = 1
) -> Iterator[dict]:
    """Activity on every day first..last (inclusive); day sizes vary around mean_per_day, some
    days are empty, and each day's first and last rows sit on its midnight boundaries."""
    rng = random.Random(f"{organisation_id}:{seed}")  # noqa: S311 (sample data, not secrets)
    number = 0
    day = first
    while day <= last:
        weight = 0.3 if day.weekday() >= 5 else rng.choice((0.0, 0.5, 1.0, 1.0, 1.5, 3.0))
        count = int(rng.expovariate(1.0) * mean_per_day * weight) if weight else 0
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        seconds = sorted(rng.randrange(1, 86399) for _ in range(max(count - 2, 0)))
        if count >= 2:
            seconds = [0, *seconds, 86399]
        elif count == 1:
            seconds = [0]
        for second in seconds:
            number += 1
            prospect = rng.randrange(1, 5000)
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            at = (midnight + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
            yield {
                "organisationId": organisation_id,
                "occurredKey": f"{at}#{organisation_id}-{number:08d}",
                "occurredAt": at,
                "prospectId": f"{organisation_id}-p{prospect:05d}",
                "prospectName": f"{first_name} {last_name}",
                "prospectEmail": f"{first_name}.{last_name}.{prospect}@example.com".lower(),
                "channel": rng.choice(CHANNELS),
                "eventType": rng.choice(EVENT_TYPES),
                "country": rng.choice(COUNTRIES),
            }
        day += timedelta(days=1)


def busy_day(organisation_id: str, day: date, mean_per_day: float) -> list[dict]:
    """One day's sample activity that has some: the first seed that fills the day (the sample
    leaves some days empty, as real activity does)."""
    return next(
        rows
        for seed in range(1, 1000)
        if (rows := list(sample_activity(organisation_id, day, day, mean_per_day, seed)))
    )


def load(table, items, *, writers: int = 1, chunk: int = 1000) -> int:
    """Write the items with batch writers; how many were written.

    With writers > 1, that many threads each write chunks of the items through its own Table
    (boto3 resources are not thread-safe): a client spends about as long building and signing
    a BatchWriteItem as the table takes to store it, so one writer leaves the table idle half
    the time.
    """
    if writers <= 1:
        return _write(table, items)
    import boto3

    def write(rows: list[dict]) -> int:
        return _write(boto3.resource("dynamodb").Table(table.name), rows)

    count = 0
    with ThreadPoolExecutor(writers) as pool:
        pending = set()
        for rows in _chunks(items, chunk):
            if len(pending) >= 2 * writers:  # bounded: the items may be a long generator
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                count += sum(future.result() for future in done)
            pending.add(pool.submit(write, rows))
        count += sum(future.result() for future in pending)
    return count


def _write(table, items) -> int:
    count = 0
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
            count += 1
    return count


def _chunks(items, size: int) -> Iterator[list[dict]]:
    rows: list[dict] = []
    for item in items:
        rows.append(item)
        if len(rows) == size:
            yield rows
            rows = []
    if rows:
        yield rows


# The prospect-activity CSV's columns (common.prospect_activity.COLUMNS, which the dev tools
# cannot import: a unit test holds the copies together).
IMPORT_COLUMNS = (
    "occurredAt",
    "prospectId",
    "prospectName",
    "prospectEmail",
    "channel",
    "eventType",
    "country",
)


def write_import_file(items, out) -> None:
    """Write the items to a text stream as an import file (the reports' CSV, header first), a
    row at a time: a million rows never sit in memory together."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IMPORT_COLUMNS)
    for item in items:
        writer.writerow([item[column] for column in IMPORT_COLUMNS])


def as_import_file(items) -> bytes:
    """The items as an import file, in memory."""
    import io

    out = io.StringIO()
    write_import_file(items, out)
    return out.getvalue().encode()


def import_execution(outputs: dict[str, str], key: str, timeout: float = 60) -> str:
    """The ARN of the imports execution an upload of `key` started (its input names the key)."""
    import json

    from devkit.local_cloud import client, wait_until

    sfn = client("stepfunctions")

    def started() -> str | None:
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=outputs["ImportsStateMachineArn"]
        )
        for execution in (e for page in pages for e in page["executions"]):
            arn = execution["executionArn"]
            if json.loads(sfn.describe_execution(executionArn=arn)["input"])["key"] == key:
                return arn
        return None

    return wait_until(started, timeout, interval=0.5, what=f"the import of {key} to start")


def import_activity(outputs: dict[str, str], key: str, body, timeout: float = 600):
    """Upload an import file (bytes, or a binary file open at its start) to
    imports/<organisation>/..., wait for its execution; the execution (status, output: rows,
    imported, refused)."""
    from devkit.local_cloud import client, wait_for_execution

    client("s3").put_object(Bucket=outputs["ImportsBucketName"], Key=key, Body=body)
    return wait_for_execution(import_execution(outputs, key), timeout)
