"""S3 on the local cloud's clock: the dates it reports (LastModified) and lifecycle expiration,
which acts at the first midnight UTC after the rule's days have passed, as on AWS
(aws_behaviours/s3_lifecycle.py)."""

from __future__ import annotations

import datetime
import uuid

import pytest

from devkit.local_cloud import client, clock, wait_until

pytestmark = pytest.mark.clock_tests_cloud  # moves the clock: on the clock tests' instance

# The lifecycle looks once a second; the rest is a loaded machine's scheduling.
SECONDS_TO_EXPIRE = 20
# How far a reported date may be from the clock's reading taken just before the request.
TOLERANCE_SECONDS = 30


def clock_now() -> datetime.datetime:
    return datetime.datetime.fromisoformat(clock()["now"])


@pytest.fixture
def bucket(local_cloud):
    """A new versioned bucket; emptied and deleted after the test."""
    s3 = client("s3")
    name = f"lifecycle-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    listing = s3.list_object_versions(Bucket=name)
    for version in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
        s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket=name)


def test_last_modified_is_the_clocks_time(bucket, move_clock):
    # GIVEN the clock moved a day forward
    moved_to = datetime.datetime.fromisoformat(move_clock("PT24H")["now"])

    # WHEN an object is written THEN its LastModified is the clock's time, not the host's
    client("s3").put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n")
    modified = client("s3").head_object(Bucket=bucket, Key="report.csv")["LastModified"]
    assert moved_to - datetime.timedelta(seconds=1) <= modified
    assert modified - clock_now() < datetime.timedelta(seconds=TOLERANCE_SECONDS)


def test_lifecycle_rules_act_when_the_clock_passes_the_next_midnight(bucket, move_clock):
    # GIVEN rules: objects under old/ expire after a day, noncurrent versions a day after they
    # were replaced, and multipart uploads left incomplete for a day are aborted
    s3 = client("s3")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": "old/"},
                 "Expiration": {"Days": 1}},
                {"ID": "versions", "Status": "Enabled", "Filter": {"Prefix": ""},
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
                {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
            ]
        },
    )  # fmt: skip
    s3.put_object(Bucket=bucket, Key="old/a.csv", Body=b"1")
    s3.put_object(Bucket=bucket, Key="keep/b.csv", Body=b"first")
    current = s3.put_object(Bucket=bucket, Key="keep/b.csv", Body=b"second")["VersionId"]
    s3.create_multipart_upload(Bucket=bucket, Key="keep/big.bin")
    # (nothing acts before the day is over)
    assert current_keys(s3, bucket) == {"old/a.csv", "keep/b.csv"}

    # WHEN the clock moves two days forward (past the next midnight after a day, whatever the
    # hour now)
    move_clock("P2D")

    # THEN old/a.csv has expired (a delete marker, the bucket being versioned), keep/b.csv's
    # old version is deleted, its current one kept, and the upload aborted
    wait_until(
        lambda: current_keys(s3, bucket) == {"keep/b.csv"},
        timeout=SECONDS_TO_EXPIRE,
        what="old/a.csv expired",
    )
    wait_until(
        lambda: [v["VersionId"] for v in versions(s3, bucket, "keep/b.csv")] == [current],
        timeout=SECONDS_TO_EXPIRE,
        what="keep/b.csv's noncurrent version deleted",
    )
    markers = s3.list_object_versions(Bucket=bucket).get("DeleteMarkers", [])
    assert [m["Key"] for m in markers] == ["old/a.csv"]
    wait_until(
        lambda: not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"),
        timeout=SECONDS_TO_EXPIRE,
        what="the incomplete upload aborted",
    )


def current_keys(s3, bucket: str) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def versions(s3, bucket: str, key: str) -> list[dict]:
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v for v in listing.get("Versions", []) if v["Key"] == key]
