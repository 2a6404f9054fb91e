"""S3 lifecycle expiration, run on the local cloud's clock.

LocalStack stores a bucket's lifecycle rules (and reports an object's `Expiration` header) but
never expires anything. Here a thread looks every LOOK_EVERY_SECONDS (once S3 has been used) at
each bucket with enabled rules and applies their expiration actions as AWS does, which acts once
a day: a number of days counts from the moment and is rounded up to the next midnight UTC.

- `Expiration.Days`: a current object expires at the first midnight UTC after its LastModified
  plus Days (as its `Expiration` header says); `Expiration.Date`: at that date. A versioned
  bucket gets a delete marker, an unversioned one loses the object.
- `NoncurrentVersionExpiration.NoncurrentDays`: a version is deleted at the first midnight UTC
  after it became noncurrent (the next version's LastModified) plus the days, keeping the
  `NewerNoncurrentVersions` newest noncurrent ones.
- `AbortIncompleteMultipartUpload.DaysAfterInitiation`: an upload is aborted at the first
  midnight UTC after its initiation plus the days.

The rule's filter (prefix, tags, sizes, `And`) is matched as LocalStack matches it for the
header. Deletions go through S3's API as the local cloud itself (LocalStack's internal client),
so storage, versions and event notifications stay S3's own.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import sys
import threading
import time
from collections.abc import Iterator

from botocore.exceptions import ClientError
from localstack.runtime import hooks

from localcloud.clock.clock import CLOCK

LOG = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 1.0


@hooks.on_infra_start()
def expire_s3_objects() -> None:
    threading.Thread(target=_loop, name="localcloud-s3-lifecycle", daemon=True).start()


def _loop() -> None:
    while True:
        time.sleep(LOOK_EVERY_SECONDS)
        if "localstack.services.s3.models" not in sys.modules:
            continue  # S3 not used yet
        try:
            _expire(CLOCK.now())
        except Exception:
            LOG.exception("s3 lifecycle: expiring objects failed")


def midnight_after(moment: datetime.datetime, days: int) -> datetime.datetime:
    """When an action `days` after `moment` is taken: the next midnight UTC after their sum."""
    day = (moment.astimezone(datetime.UTC) + datetime.timedelta(days=days + 1)).date()
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _buckets():
    from localstack.services.s3.models import s3_stores

    seen = set()
    for _, _, store in s3_stores.iter_stores():
        for bucket in list(store.buckets.values()):
            if bucket.lifecycle_rules and bucket.bucket_arn not in seen:
                seen.add(bucket.bucket_arn)  # buckets are shared by a store's regions
                yield store, bucket


def _expire(now: datetime.datetime) -> None:
    for store, bucket in _buckets():
        rules = [rule for rule in bucket.lifecycle_rules if rule.get("Status") == "Enabled"]
        deletions = _due_deletions(store, bucket, rules, now)
        aborts = _due_aborts(bucket, rules, now)
        if not deletions and not aborts:
            continue
        from localstack.aws.connect import connect_to

        s3 = connect_to(
            aws_access_key_id=bucket.bucket_account_id, region_name=bucket.bucket_region
        ).s3
        for key, version_id in deletions:
            extra = {"VersionId": version_id} if version_id else {}
            with _refusal_logged(bucket.name, key):  # a locked version stays, as on AWS
                s3.delete_object(Bucket=bucket.name, Key=key, **extra)
                LOG.info("s3 lifecycle: expired s3://%s/%s %s", bucket.name, key, version_id or "")
        for key, upload_id in aborts:
            with _refusal_logged(bucket.name, key):
                s3.abort_multipart_upload(Bucket=bucket.name, Key=key, UploadId=upload_id)


@contextlib.contextmanager
def _refusal_logged(bucket: str, key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        LOG.debug("s3 lifecycle: s3://%s/%s not expired: %s", bucket, key, error)


def _due_deletions(store, bucket, rules: list[dict], now) -> list[tuple[str, str | None]]:
    """(key, version id or None for the current object) of what the rules expire by now."""
    from localstack.services.s3.models import S3DeleteMarker

    due = []
    for key, versions in _versions_by_key(bucket).items():
        current = versions[-1]
        if not isinstance(current, S3DeleteMarker) and any(
            _expires_current(rule, current, now)
            for rule in rules
            if _applies(rule, store, bucket, current)
        ):
            due.append((key, None))
        for position in range(len(versions) - 1):  # the noncurrent ones
            version, since = versions[position], versions[position + 1].last_modified
            newer_noncurrent = len(versions) - 2 - position
            if any(
                _expires_noncurrent(rule, since, newer_noncurrent, now)
                for rule in rules
                if _applies(rule, store, bucket, version)
            ):
                due.append((key, version.version_id))
    return due


def _versions_by_key(bucket) -> dict[str, list]:
    """Each key's versions, oldest first (an unversioned bucket: its one object)."""
    by_key: dict[str, list] = {}
    for version in bucket.objects.values(with_versions=True):
        by_key.setdefault(version.key, []).append(version)
    return by_key


def _expires_current(rule: dict, current, now) -> bool:
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration:
        return midnight_after(current.last_modified, expiration["Days"]) <= now
    if "Date" in expiration:
        return expiration["Date"].replace(tzinfo=expiration["Date"].tzinfo or datetime.UTC) <= now
    return False


def _expires_noncurrent(rule: dict, since, newer_noncurrent: int, now) -> bool:
    action = rule.get("NoncurrentVersionExpiration") or {}
    kept = action.get("NewerNoncurrentVersions", 0)
    if "NoncurrentDays" not in action or newer_noncurrent < kept:
        return False
    return midnight_after(since, action["NoncurrentDays"]) <= now


def _due_aborts(bucket, rules: list[dict], now) -> list[tuple[str, str]]:
    due = []
    for upload in list(bucket.multiparts.values()):
        for rule in rules:
            days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
            if (
                days is not None
                and _prefix_applies(rule, upload.object.key)
                and midnight_after(upload.initiated, days) <= now
            ):
                due.append((upload.object.key, upload.id))
                break
    return due


def _applies(rule: dict, store, bucket, version) -> bool:
    from localstack.services.s3.utils import _match_lifecycle_filter, get_unique_key_id

    if "Filter" not in rule:
        return _prefix_applies(rule, version.key)
    rule_filter = rule["Filter"] or {}
    tags = store.tags.get_tags(get_unique_key_id(bucket.name, version.key, version.version_id))
    size = getattr(version, "size", 0) or 0  # a delete marker has none
    conditions = rule_filter.get("And", rule_filter)
    return all(
        _match_lifecycle_filter(name, value, version.key, size, tags)
        for name, value in conditions.items()
    )


def _prefix_applies(rule: dict, key: str) -> bool:
    """A rule's prefix only (an upload has no tags or size yet); the older top-level form too."""
    prefix = rule.get("Prefix") or (rule.get("Filter") or {}).get("Prefix")
    if prefix is None:
        prefix = ((rule.get("Filter") or {}).get("And") or {}).get("Prefix", "")
    return key.startswith(prefix)
