"""CSV rows (the toolkit's CSV-injection rules) and the streaming merge of parts."""

import csv
import io

import boto3
import pytest

from reports.logic.merge import merge_parts
from reports.logic.rows import COLUMNS, HEADER, ActivityUnreadable, write_rows
from unit.reports.conftest import BUCKET, activity


def test_rows_follow_the_columns_and_neutralise_formulas():
    # GIVEN an activity whose name a spreadsheet would run as a formula
    item = activity("acme", "2025-01-01T10:00:00Z", 1, prospectName='=HYPERLINK("x")')
    out = io.StringIO()
    # WHEN it is written
    assert write_rows(out, [item]) == 1
    # THEN the cell is text (a leading quote) and the columns are the header's
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[COLUMNS.index("prospectName")] == '\'=HYPERLINK("x")'
    assert row[COLUMNS.index("occurredAt")] == "2025-01-01T10:00:00Z"
    assert HEADER.strip().split(",") == list(COLUMNS)


def test_a_record_missing_a_field_names_the_field_not_the_data():
    item = activity("acme", "2025-01-01T10:00:00Z", 1)
    del item["country"]
    with pytest.raises(ActivityUnreadable, match="country") as raised:
        write_rows(io.StringIO(), [item])
    assert "p1@example.com" not in str(raised.value)


def test_merge_writes_one_header_then_parts_in_the_order_given():
    written: list[bytes] = []
    parts = [(2, iter([b"a\n", b"b\n"])), (0, iter([])), (1, iter([b"c\n"]))]
    assert merge_parts(parts, written.append) == 3
    assert b"".join(written) == HEADER.encode() + b"a\nb\nc\n"


def test_merge_streams_a_part_at_a_time():
    # GIVEN parts that are opened lazily  WHEN merged
    opened: list[int] = []
    written: list[bytes] = []

    def part(n):
        opened.append(n)
        yield f"row{n}\n".encode()

    def parts():
        for n in range(3):
            yield 1, part(n)
            # THEN a part is opened only after the previous one's bytes were written
            assert written[-1] == f"row{n}\n".encode()

    merge_parts(parts(), written.append)
    assert opened == [0, 1, 2]


def test_streaming_upload_uses_multipart_for_large_reports(aws, monkeypatch):
    from reports.dal.storage import StreamingUpload

    # GIVEN 5 MiB parts and 12 MiB of rows
    upload = StreamingUpload(BUCKET, "reports/acme/big.csv", 5 * 1024 * 1024, metadata={})
    chunk = b"x" * 1023 + b"\n"
    for _ in range(12 * 1024):
        upload.write(chunk)
    upload.close()
    # THEN the object is whole and was sent in three parts
    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=BUCKET, Key="reports/acme/big.csv", PartNumber=1)
    assert head["PartsCount"] == 3
    body = s3.get_object(Bucket=BUCKET, Key="reports/acme/big.csv")["Body"].read()
    assert len(body) == 12 * 1024 * 1024


def test_a_small_report_is_one_put(aws):
    from reports.dal.storage import StreamingUpload

    upload = StreamingUpload(BUCKET, "reports/acme/small.csv", 5 * 1024 * 1024, metadata={})
    upload.write(HEADER.encode())
    upload.close()
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key="reports/acme/small.csv")["Body"]
    assert body.read() == HEADER.encode()
