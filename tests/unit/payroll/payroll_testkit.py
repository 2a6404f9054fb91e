"""What the payroll unit tests share: bucket names as the settings name them."""

from __future__ import annotations

RAW, PROCESSED, PAYSTUBS = "raw-data", "processed-data", "paystubs"


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))
