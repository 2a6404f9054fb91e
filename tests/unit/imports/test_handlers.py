"""The imports workflow's functions on moto: an upload starts one execution per object version,
the quick check refuses what cannot be imported, and operators read an import's progress."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest
from moto import mock_aws

from support.events import sample_event
from support.template import create_table

BUCKET = "imports"
KEY = "imports/acme/2026-11-prospect-activity.csv"
IMPORT_ID = "0b8e4b52-61d5-5a8a-9d7f-0c6f7a1e2b3c"
HEADER = "occurredAt,prospectId,prospectName,prospectEmail,channel,eventType,country\n"
ROW = "2026-11-02T09:15:00Z,acme-p00042,Ada Okafor,ada@example.com,web,page_view,GB\n"


@pytest.fixture
def aws():
    with mock_aws():
        create_table("ImportsImportsTable", "imports")
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def started(monkeypatch):
    """StartExecution calls, recorded (the state machine is tested on the local cloud); a name
    started before answers not started, as Step Functions does."""
    from common import stepfunctions

    calls = []

    def start(arn, name, payload):
        calls.append((arn, name, payload))
        first = [n for _, n, _ in calls].count(name) == 1
        return stepfunctions.Execution(arn=f"{arn}:{name}", started=first)

    monkeypatch.setattr(stepfunctions, "start_execution", start)
    return calls


def test_an_upload_starts_one_import_per_object_version(aws, started, lambda_context):
    from imports.handlers import start_import

    # WHEN S3 delivers the same event twice
    first = start_import.handler(sample_event("imports-start-import"), lambda_context)
    again = start_import.handler(sample_event("imports-start-import"), lambda_context)

    # THEN one import, named by its id, of the organisation in the key
    [import_id] = first["started"]
    assert again == {"started": [], "alreadyStarted": [import_id], "ignored": 0}
    (_, name, payload), _ = started
    assert name == import_id
    assert payload["organisationId"] == "acme"
    assert payload["versionId"] == "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"


def test_another_version_of_the_object_is_another_import(aws, started, lambda_context):
    from imports.handlers import start_import

    event = sample_event("imports-start-import")
    first = start_import.handler(event, lambda_context)["started"]
    event["Records"][0]["s3"]["object"]["versionId"] = "another-version"
    second = start_import.handler(event, lambda_context)["started"]
    assert first != second


def test_the_refused_rows_list_beside_an_import_starts_nothing(aws, started, lambda_context):
    from imports.handlers import start_import

    event = sample_event("imports-start-import")
    event["Records"][0]["s3"]["object"]["key"] = f"{KEY}.refused"
    assert start_import.handler(event, lambda_context)["ignored"] == 1
    assert started == []


def put(body: bytes, key: str = KEY) -> None:
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)


def record() -> dict:
    from common.aws import table

    return table("imports").get_item(Key={"importId": IMPORT_ID})["Item"]


def test_quick_check_passes_a_good_file_and_records_it(aws, lambda_context):
    from imports.handlers import quick_check

    put((HEADER + ROW).encode())
    answer = quick_check.handler(sample_event("imports-quick-check"), lambda_context)
    assert answer == {"importable": True, "problems": []}
    assert record()["status"] == "CHECKED"


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        (b"", KEY, "the file is empty"),
        (("when,who\n" + ROW).encode(), KEY, "the header is not occurredAt,prospectId,"),
        ((HEADER + ROW).encode("utf-16"), KEY, "the file is not UTF-8"),
        ((HEADER + ROW).encode(), KEY + ".gz", "the file is not gzip, though named .gz"),
    ],
)
def test_quick_check_refuses_what_cannot_be_imported(aws, lambda_context, body, key, problem):
    from imports.handlers import quick_check

    put(body, key)
    event = {**sample_event("imports-quick-check"), "key": key}
    answer = quick_check.handler(event, lambda_context)
    assert answer["importable"] is False
    assert answer["problems"][0].startswith(problem)
    assert record()["status"] == "REFUSED"


def test_quick_check_reads_a_gzipped_file(aws, lambda_context):
    from imports.handlers import quick_check

    put(gzip.compress((HEADER + ROW * 50_000).encode()), KEY + ".gz")
    event = {**sample_event("imports-quick-check"), "key": KEY + ".gz"}
    assert quick_check.handler(event, lambda_context)["importable"] is True


def test_operators_read_an_import_s_progress(aws, lambda_context):
    from imports.handlers import imports_api

    put((HEADER + ROW).encode())
    from imports.handlers import quick_check

    quick_check.handler(sample_event("imports-quick-check"), lambda_context)
    answer = imports_api.handler(sample_event("imports-imports-api-get"), lambda_context)
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert body["status"] == "CHECKED"
    assert (body["rowsDone"], body["imported"], body["refused"]) == (0, 0, 0)


def test_an_unknown_or_malformed_import_id_is_a_404(aws, lambda_context):
    from imports.handlers import imports_api

    event = sample_event("imports-imports-api-get")
    assert imports_api.handler(event, lambda_context)["statusCode"] == 404
    event["pathParameters"]["id"] = event["path"] = "not-a-uuid"
    assert imports_api.handler(event, lambda_context)["statusCode"] == 404
