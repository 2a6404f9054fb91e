"""The imported object in the imports bucket: its size and its first bytes."""

from __future__ import annotations

from common.aws import client


def size_and_head(bucket: str, key: str, version: str | None, head_bytes: int) -> tuple[int, bytes]:
    request = {"Bucket": bucket, "Key": key}
    if version:
        request["VersionId"] = version
    size = client("s3").head_object(**request)["ContentLength"]
    if size == 0:
        return 0, b""
    body = client("s3").get_object(**request, Range=f"bytes=0-{head_bytes - 1}")["Body"]
    return size, body.read()
