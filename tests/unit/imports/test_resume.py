"""The import task on moto: good rows land once, refused rows are listed by line and reason,
and a task that died mid-import resumes after its checkpoint with exact counts."""

from __future__ import annotations

import gzip
import io

import boto3
import pytest
from moto import mock_aws

from importer.rows import COLUMNS
from importer.task import Settings, run
from support.template import create_table

BUCKET = "imports"
ACTIVITY_TABLE = "prospect-activity"
IMPORTS_TABLE = "imports"


@pytest.fixture
def aws():
    with mock_aws():
        create_table("ReportsProspectActivityTable", ACTIVITY_TABLE)
        boto3.client("dynamodb").create_table(
            TableName=IMPORTS_TABLE,
            AttributeDefinitions=[{"AttributeName": "importId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "importId", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield


def good_line(number: int) -> str:
    return (
        f"2026-03-02T09:{number // 60 % 60:02d}:{number % 60:02d}Z,acme-p{number:05d},"
        f"Prospect {number},p{number}@example.com,web,page_view,GB"
    )


def upload(key: str, lines: list[str]) -> None:
    body = "\n".join([",".join(COLUMNS), *lines]).encode()
    if key.endswith(".gz"):
        body = gzip.compress(body)
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)


def settings(key: str, import_id: str = "i-1") -> Settings:
    return Settings(
        bucket=BUCKET,
        object_key=key,
        object_version=None,
        import_id=import_id,
        organisation_id="acme",
        activity_table=ACTIVITY_TABLE,
        imports_table=IMPORTS_TABLE,
        checkpoint_rows=10,
    )


def stored() -> list[dict]:
    return boto3.resource("dynamodb").Table(ACTIVITY_TABLE).scan()["Items"]


def import_record(import_id: str = "i-1") -> dict:
    table = boto3.resource("dynamodb").Table(IMPORTS_TABLE)
    return table.get_item(Key={"importId": import_id})["Item"]


def test_good_rows_land_once_and_refused_rows_are_listed(aws):
    # GIVEN a gzipped file of 30 good lines, a bad email on line 5 and a short line on line 9
    lines = [good_line(n) for n in range(30)]
    lines[3] = lines[3].replace("@", "-at-")
    lines[7] = "2026-03-02T09:00:00Z,too,short"
    upload("imports/acme/march.csv.gz", lines)
    refused = io.StringIO()

    # WHEN it is imported
    counts = run(
        boto3.client("s3"), boto3.client("dynamodb"), settings("imports/acme/march.csv.gz"), refused
    )

    # THEN the 28 good rows are stored, and the 2 refused listed with line and reason only
    assert (counts.rows, counts.imported, counts.refused) == (30, 28, 2)
    assert len(stored()) == 28
    assert refused.getvalue().splitlines() == [
        "line,reason",
        "5,prospectEmail is not an email address",
        '9,"expected 7 fields, found 3"',
    ]
    assert "p3" not in refused.getvalue()
    assert import_record()["checkpointLine"] == 31


def test_importing_again_adds_nothing(aws):
    upload("imports/acme/a.csv", [good_line(n) for n in range(12)])
    upload("imports/acme/b.csv", [good_line(n) for n in range(6, 18)])
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")

    run(s3, dynamodb, settings("imports/acme/a.csv", "i-a"), io.StringIO())
    run(s3, dynamodb, settings("imports/acme/a.csv", "i-a2"), io.StringIO())
    run(s3, dynamodb, settings("imports/acme/b.csv", "i-b"), io.StringIO())

    # Rows 0..17 once each, whichever file held them
    assert len(stored()) == 18


class DiesAfter:
    """A DynamoDB client whose process "dies" (raises) at its nth BatchWriteItem."""

    def __init__(self, client, batch_writes: int):
        self._client, self._left = client, batch_writes

    def batch_write_item(self, **request):
        if self._left == 0:
            raise SystemExit("killed")
        self._left -= 1
        return self._client.batch_write_item(**request)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_a_task_that_died_resumes_after_its_checkpoint_with_exact_counts(aws):
    # GIVEN 45 good lines and one bad, imported in groups of 10 by a task that dies in the third
    lines = [good_line(n) for n in range(45)]
    lines[2] = lines[2].replace(",GB", ",Britain")
    upload("imports/acme/big.csv", lines)
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
    with pytest.raises(SystemExit):
        run(
            s3, DiesAfter(dynamodb, batch_writes=2), settings("imports/acme/big.csv"), io.StringIO()
        )
    checkpoint = int(import_record()["checkpointLine"])
    assert checkpoint == 22  # lines 2..22: two groups of ten good rows, and the refused one

    # WHEN the task is run again
    refused = io.StringIO()
    counts = run(s3, dynamodb, settings("imports/acme/big.csv"), refused)

    # THEN it resumed after the checkpoint, and the counts and refusals are whole and exact
    assert counts.resumed_from_line == checkpoint
    assert (counts.imported, counts.refused) == (44, 1)
    assert refused.getvalue().splitlines()[1:] == ["4,country is not a two-letter ISO 3166 code"]
    assert len(stored()) == 44
    assert import_record()["attempts"] == 2


def test_a_task_asked_to_stop_stops_after_its_next_checkpoint(aws):
    from importer import task

    # GIVEN a task asked to stop (SIGTERM) as it starts
    upload("imports/acme/big.csv", [good_line(n) for n in range(45)])
    task.stop_requested.set()
    try:
        # WHEN it runs
        with pytest.raises(task.Stopped):
            run(
                boto3.client("s3"),
                boto3.client("dynamodb"),
                settings("imports/acme/big.csv"),
                io.StringIO(),
            )
    finally:
        task.stop_requested.clear()

    # THEN it wrote one group, and its checkpoint says so
    assert len(stored()) == 10
    assert import_record()["checkpointLine"] == 11
