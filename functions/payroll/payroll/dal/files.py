"""The payroll's files in S3: raw uploads, processed data, paystubs and reports."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from common.aws import client

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


def read(
    bucket: str, key: str, version_id: str | None = None, max_bytes: int | None = None
) -> bytes:
    """The object's bytes; with max_bytes, at most one byte more than that (enough to tell
    that it is too large without holding all of it)."""
    extra = {"VersionId": version_id} if version_id else {}
    body = client("s3").get_object(Bucket=bucket, Key=key, **extra)["Body"]
    if max_bytes is None:
        return body.read()
    with body:
        return body.read(max_bytes + 1)


def write(bucket: str, key: str, body: bytes | str, content_type: str) -> None:
    client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=body.encode() if isinstance(body, str) else body,
        ContentType=content_type,
    )


def write_many(
    bucket: str, files: Iterable[tuple[str, bytes | str]], content_type: str, workers: int
) -> int:
    """Upload many small files in parallel (each upload mostly waits on the network); returns
    how many were written. Any failed upload raises once the others have finished."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda file: write(bucket, file[0], file[1], content_type), files)
        return sum(1 for _ in done)
