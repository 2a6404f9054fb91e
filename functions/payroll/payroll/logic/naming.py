"""Names derived from the uploaded object: the execution name and the run's S3 prefix."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

EXECUTION_NAME_LIMIT = 80
UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(bucket: str, key: str, version: str) -> str:
    """One name per object version (version id, else ETag): a repeated S3 event for the same
    object gets the same name, and Step Functions starts no second execution under it."""
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version}".encode()).hexdigest()[:32]
    readable = UNSAFE.sub("-", key).strip("-")[: EXECUTION_NAME_LIMIT - len(digest) - 1]
    return f"{readable}-{digest}" if readable else digest


def run_prefix(key: str, uploaded_at: datetime) -> str:
    """Where a run's files go: the raw key without its extension, then the upload time."""
    moment = uploaded_at.astimezone(UTC) if uploaded_at.tzinfo else uploaded_at
    stem = key.rsplit(".", 1)[0] if "." in key.rsplit("/", 1)[-1] else key
    return f"{stem.strip('/')}/{moment.strftime('%Y%m%dT%H%M%S%fZ')}"
