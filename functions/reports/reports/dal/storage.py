"""The reports bucket: sub-report parts, merged reports and their download links."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from common.aws import RETRIES, client

ROWS_METADATA = "rows"  # a part's row count, as x-amz-meta-rows
READ_CHUNK = 1024 * 1024


def part_key(report_id: str, index: int) -> str:
    return f"parts/{report_id}/{index:05d}.csv"


def report_key(organisation_id: str, report_id: str) -> str:
    return f"reports/{organisation_id}/{report_id}.csv"


def exists(bucket: str, key: str) -> bool:
    """Whether the object is there (a merged report is removed by the bucket's lifecycle)."""
    try:
        client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return False
        raise
    return True


def put_part(bucket: str, key: str, body: bytes, rows: int) -> None:
    client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="text/csv",
        Metadata={ROWS_METADATA: str(rows)},
    )


def read_part(bucket: str, key: str) -> tuple[int, Iterator[bytes]]:
    """The part's row count and its bytes, chunk by chunk (never the whole part at once)."""
    answer = client("s3").get_object(Bucket=bucket, Key=key)
    return int(answer["Metadata"][ROWS_METADATA]), answer["Body"].iter_chunks(READ_CHUNK)


def delete_keys(bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):  # DeleteObjects takes 1,000 keys at most
        batch = keys[start : start + 1000]
        client("s3").delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )


class StreamingUpload:
    """Bytes written to one S3 object, a part at a time: one PutObject when everything fits in
    the first part, a multipart upload otherwise. Memory holds about one part."""

    def __init__(self, bucket: str, key: str, part_bytes: int, metadata: dict[str, str]) -> None:
        self.bucket, self.key, self.part_bytes, self.metadata = bucket, key, part_bytes, metadata
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict] = []

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self.part_bytes:
            self._send_part()

    def _send_part(self) -> None:
        s3 = client("s3")
        if self._upload_id is None:
            self._upload_id = s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType="text/csv", Metadata=self.metadata
            )["UploadId"]
        number = len(self._parts) + 1
        etag = s3.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )["ETag"]
        self._parts.append({"PartNumber": number, "ETag": etag})
        self._buffer = bytearray()

    def close(self) -> None:
        s3 = client("s3")
        if self._upload_id is None:
            s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=bytes(self._buffer),
                ContentType="text/csv",
                Metadata=self.metadata,
            )
            return
        if self._buffer:
            self._send_part()
        s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        if self._upload_id is not None:
            client("s3").abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id
            )


@cache
def _signer(addressing_style: str):
    # Path style on the local cloud: bucket-named hosts do not resolve offline.
    config = RETRIES.merge(
        Config(signature_version="s3v4", s3={"addressing_style": addressing_style})
    )
    return boto3.client("s3", config=config)


def download_link(bucket: str, key: str, expires_in: int, addressing_style: str) -> str:
    """A presigned GET of the report, valid for expires_in seconds."""
    return _signer(addressing_style).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
    )
