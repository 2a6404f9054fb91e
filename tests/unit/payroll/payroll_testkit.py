"""What the payroll unit tests share: bucket names as the settings name them, a Lambda context."""

from __future__ import annotations

from dataclasses import dataclass

RAW, PROCESSED, PAYSTUBS = "raw-data", "processed-data", "paystubs"


@dataclass
class LambdaContext:
    function_name: str = "payroll-test"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:payroll-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))
