"""A Distributed Map's ItemReader reads what AWS's reads (localcloud/aws_behaviours/
sfn_item_readers.py): S3 Inventory manifests and CSV with another delimiter."""

from __future__ import annotations

import gzip
import json

import pytest
from local_cloud.test_sfn_distributed_map import distributed_map

from devkit.local_cloud import client, wait_for_execution

INVENTORY = "inventory/source-bucket/config-id"


def put_inventory(bucket: str, file_format: str = "CSV") -> str:
    """Two gzipped CSV data files and the manifest.json naming them, as S3 Inventory writes
    them; the manifest's key."""
    s3 = client("s3")
    rows = [
        ['"source-bucket","reports/a.csv","10"\n', '"source-bucket","reports/b.csv","20"\n'],
        ['"source-bucket","reports/c.csv","30"\n'],
    ]
    files = []
    for number, lines in enumerate(rows):
        key = f"{INVENTORY}/data/part-{number}.csv.gz"
        body = gzip.compress("".join(lines).encode())
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        files.append({"key": key, "size": len(body), "MD5checksum": "not-checked"})
    manifest = {
        "sourceBucket": "source-bucket",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "version": "2016-11-30",
        "creationTimestamp": "1700000000000",
        "fileFormat": file_format,
        "fileSchema": "Bucket, Key, Size",
        "files": files,
    }
    key = f"{INVENTORY}/2026-12-07T00-00Z/manifest.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
    return key


def run_reader(state_machine, bucket_role, reader: dict):
    arn = state_machine(
        distributed_map({"Mode": "DISTRIBUTED"}, ItemReader=reader), bucket_role("s3:GetObject")
    )
    return wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )


@pytest.mark.parametrize("manifest_type", [{}, {"ManifestType": "S3_INVENTORY"}], ids=["", "typed"])
def test_an_item_reader_reads_an_s3_inventory_manifest(
    state_machine, bucket, bucket_role, manifest_type
):
    # GIVEN an S3 Inventory report: a manifest and two gzipped CSV data files of 3 rows
    manifest = put_inventory(bucket)
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "MANIFEST", "MaxItems": 2, **manifest_type},
        "Parameters": {"Bucket": bucket, "Key": manifest},
    }
    # WHEN a Distributed Map reads at most 2 items from the manifest
    execution = run_reader(state_machine, bucket_role, reader)
    # THEN each child got a row as AWS gives it: the manifest's fileSchema fields, as strings
    # (LocalStack refused the input type at CreateStateMachine)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [
        {"Bucket": "source-bucket", "Key": "reports/a.csv", "Size": "10"},
        {"Bucket": "source-bucket", "Key": "reports/b.csv", "Size": "20"},
    ]


def test_an_inventory_in_another_format_fails_the_item_reader(state_machine, bucket, bucket_role):
    # GIVEN an S3 Inventory manifest of ORC data files (Step Functions reads CSV ones only)
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "MANIFEST"},
        "Parameters": {"Bucket": bucket, "Key": put_inventory(bucket, file_format="ORC")},
    }
    # WHEN a Distributed Map reads it THEN it fails with States.ItemReaderFailed
    execution = run_reader(state_machine, bucket_role, reader)
    assert execution.status == "FAILED"
    assert execution.error == "States.ItemReaderFailed"


def test_an_item_reader_reads_csv_with_another_delimiter(state_machine, bucket, bucket_role):
    # GIVEN a pipe-separated file with a header row (a value holding a comma)
    body = b"id|name\n1|Ada, Countess\n2|Grace\n"
    client("s3").put_object(Bucket=bucket, Key="people.psv", Body=body)
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {
            "InputType": "CSV",
            "CSVHeaderLocation": "FIRST_ROW",
            "CSVDelimiter": "PIPE",
        },
        "Parameters": {"Bucket": bucket, "Key": "people.psv"},
    }
    # WHEN a Distributed Map reads it
    execution = run_reader(state_machine, bucket_role, reader)
    # THEN each row is an item split at the pipes (LocalStack refused CSVDelimiter)
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == [{"id": "1", "name": "Ada, Countess"}, {"id": "2", "name": "Grace"}]
