"""S3 on the local cloud keeps object bodies in files of the instance's state folder, not in
LocalStack's memory (localstack/localcloud/memory/s3_on_disk.py), and still answers as S3 does:
whole and ranged reads, multipart uploads, copies, versions and checksums, byte for byte.

LocalStack by itself keeps a body under 512 KiB in its process's memory and writes none of it
to a file, so "the body is a file in the instance's folder" fails without the plugin; a body
above 512 KiB it keeps in an anonymous temporary file that holds a descriptor open while the
object exists, so "the descriptors do not grow with the objects" fails without it too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.local_cloud import client, instance_folder, local_cloud_pid, wait_until

KiB, MiB = 1024, 1024 * 1024
LOCALSTACK_IN_MEMORY_LIMIT = 512 * KiB
S3_MIN_PART = 5 * MiB


def bucket_folder(bucket: str) -> Path:
    return instance_folder() / "state" / "s3-objects" / bucket


def bodies_on_disk(bucket: str) -> list[bytes]:
    """The contents of every file in the bucket's folder, sorted."""
    folder = bucket_folder(bucket)
    return sorted(path.read_bytes() for path in folder.rglob("*") if path.is_file())


def open_descriptors() -> int:
    pid = local_cloud_pid()
    return len(os.listdir(f"/proc/{pid}/fd"))


def sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


@pytest.fixture
def s3(local_cloud):
    return client("s3")


@pytest.fixture
def bucket(s3) -> Iterator[str]:
    name = f"bodies-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    yield name
    versions = s3.list_object_versions(Bucket=name)
    for entry in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"])
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket=name)


def test_small_objects_read_back_whole_and_ranged_from_files_on_disk(s3, bucket):
    # GIVEN bodies of paystub sizes, all under LocalStack's in-memory limit
    sizes = (1, 3_400, 100_000, LOCALSTACK_IN_MEMORY_LIMIT - 1)
    bodies = {f"paystubs/{size}.pdf": os.urandom(size) for size in sizes}

    # WHEN each is put with a checksum
    for key, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")

    # THEN each reads back whole, with its ETag and checksum, and in ranges, byte for byte
    for key, body in bodies.items():
        whole = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert whole["Body"].read() == body
        assert whole["ContentLength"] == len(body)
        assert whole["ETag"] == f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        assert whole["ChecksumSHA256"] == sha256(body)
        for header, expected in (
            ("bytes=0-0", body[:1]),
            (f"bytes={len(body) // 2}-", body[len(body) // 2 :]),
            ("bytes=-1", body[-1:]),
            (f"bytes=0-{len(body) * 2}", body),  # past the end: up to it
        ):
            ranged = s3.get_object(Bucket=bucket, Key=key, Range=header)
            assert ranged["Body"].read() == expected, header
            assert ranged["ContentLength"] == len(expected), header
    # AND every body is a file in the instance's state folder, not in LocalStack's memory
    assert bodies_on_disk(bucket) == sorted(bodies.values())


def test_an_overwritten_or_deleted_object_leaves_no_file_behind(s3, bucket):
    # GIVEN an object written twice (an unversioned bucket keeps the last body only)
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"first draft, longer than the second")
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"final")
    assert s3.get_object(Bucket=bucket, Key="report.csv")["Body"].read() == b"final"
    assert bodies_on_disk(bucket) == [b"final"]

    # WHEN it is deleted
    s3.delete_object(Bucket=bucket, Key="report.csv")

    # THEN its file is gone with it
    assert bodies_on_disk(bucket) == []


def test_multipart_uploads_assemble_on_disk_and_read_back_by_part_and_range(s3, bucket):
    # GIVEN a source object to copy a range from
    source = os.urandom(300 * KiB)
    s3.put_object(Bucket=bucket, Key="source.bin", Body=source)
    first = os.urandom(S3_MIN_PART)
    copied = source[1000 : 1000 + 100 * KiB]

    # WHEN an upload is made of a 5 MiB part with a checksum and, as its last part, a range
    # copied from the source
    key = "assembled.bin"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")
    upload_id = upload["UploadId"]
    one = s3.upload_part(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        PartNumber=1,
        Body=first,
        ChecksumAlgorithm="SHA256",
    )
    assert one["ChecksumSHA256"] == sha256(first)
    two = s3.upload_part_copy(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "source.bin"},
        CopySourceRange=f"bytes=1000-{1000 + len(copied) - 1}",
    )["CopyPartResult"]
    assert two["ChecksumSHA256"] == sha256(copied)
    parts = [
        {"PartNumber": 1, "ETag": one["ETag"], "ChecksumSHA256": one["ChecksumSHA256"]},
        {"PartNumber": 2, "ETag": two["ETag"], "ChecksumSHA256": two["ChecksumSHA256"]},
    ]
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )

    # THEN the object is its parts in order: whole, by part number and across their boundary
    body = first + copied
    whole = s3.get_object(Bucket=bucket, Key=key)
    assert whole["Body"].read() == body
    assert whole["ETag"].endswith('-2"')
    second = s3.get_object(Bucket=bucket, Key=key, PartNumber=2)
    assert second["Body"].read() == copied
    assert second["PartsCount"] == 2
    boundary = f"bytes={S3_MIN_PART - 10}-{S3_MIN_PART + 9}"
    across = s3.get_object(Bucket=bucket, Key=key, Range=boundary)["Body"].read()
    assert across == first[-10:] + copied[:10]
    # AND the parts' files went with the upload: the bucket's folder holds the two objects only
    assert bodies_on_disk(bucket) == sorted([source, body])


def test_a_small_single_part_upload_is_on_disk_and_an_aborted_one_leaves_nothing(s3, bucket):
    # GIVEN a part under LocalStack's in-memory limit, uploaded and completed
    body = os.urandom(200 * KiB)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="small.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="small.bin", UploadId=upload, PartNumber=1, Body=body)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="small.bin",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    # AND another upload with a part, aborted
    aborted = s3.create_multipart_upload(Bucket=bucket, Key="aborted.bin")["UploadId"]
    s3.upload_part(
        Bucket=bucket, Key="aborted.bin", UploadId=aborted, PartNumber=1, Body=b"never completed"
    )
    assert sorted(bodies_on_disk(bucket)) == sorted([body, b"never completed"])

    # WHEN the second upload is aborted
    s3.abort_multipart_upload(Bucket=bucket, Key="aborted.bin", UploadId=aborted)

    # THEN the completed object reads back, and only its body remains on disk
    assert s3.get_object(Bucket=bucket, Key="small.bin")["Body"].read() == body
    assert bodies_on_disk(bucket) == [body]


def test_versions_and_copies_each_keep_their_own_body(s3, bucket):
    # GIVEN a versioned bucket with two versions of an object
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="timesheet.csv", Body=b"v1 " * 1000)["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="timesheet.csv", Body=b"v2 " * 2000)["VersionId"]

    # WHEN the first version is copied to another key, and the object is copied onto itself
    s3.copy_object(
        Bucket=bucket,
        Key="archive/timesheet.csv",
        CopySource={"Bucket": bucket, "Key": "timesheet.csv", "VersionId": v1},
    )
    v3 = s3.copy_object(
        Bucket=bucket,
        Key="timesheet.csv",
        CopySource={"Bucket": bucket, "Key": "timesheet.csv"},
        MetadataDirective="REPLACE",
        Metadata={"checked": "yes"},
    )["VersionId"]

    # THEN every version and the copy read back with their own bodies
    def body(key: str, **version) -> bytes:
        return s3.get_object(Bucket=bucket, Key=key, **version)["Body"].read()

    assert body("timesheet.csv", VersionId=v1) == b"v1 " * 1000
    assert body("timesheet.csv", VersionId=v2) == b"v2 " * 2000
    assert body("timesheet.csv", VersionId=v3) == b"v2 " * 2000
    assert body("archive/timesheet.csv") == b"v1 " * 1000
    assert len(bodies_on_disk(bucket)) == 4

    # AND deleting a version deletes its file only
    s3.delete_object(Bucket=bucket, Key="timesheet.csv", VersionId=v1)
    assert sorted(bodies_on_disk(bucket)) == sorted([b"v2 " * 2000, b"v2 " * 2000, b"v1 " * 1000])


def test_deleting_a_bucket_removes_its_folder(s3):
    # GIVEN a bucket with an object
    name = f"bodies-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"body")
    assert bodies_on_disk(name) == [b"body"]

    # WHEN the object and the bucket are deleted
    s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "k"}]})
    s3.delete_bucket(Bucket=name)

    # THEN the bucket's folder is gone
    assert not bucket_folder(name).exists()


def test_stored_objects_do_not_hold_open_files(s3, bucket):
    # GIVEN LocalStack's open descriptors now
    before = open_descriptors()

    # WHEN 200 objects above LocalStack's in-memory limit are stored (LocalStack keeps each in
    # an anonymous temporary file, open for as long as the object exists)
    body = os.urandom(LOCALSTACK_IN_MEMORY_LIMIT + KiB)
    for number in range(200):
        s3.put_object(Bucket=bucket, Key=f"large/{number}", Body=body)

    # THEN they are all there, and the descriptors did not grow with them (other tests running
    # at the same time open and close some: the margin is theirs)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="large/")["KeyCount"]
    assert listed == 200
    wait_until(lambda: open_descriptors() < before + 100, timeout=10, what="descriptors closed")
    assert len(bodies_on_disk(bucket)) == 200
