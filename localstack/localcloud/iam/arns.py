"""Resource ARNs, as IAM names them, built from what a request names: a queue URL, a table or
function name, a bucket and key, a secret id, an email address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlparse

PARTITION = "aws"


@dataclass(frozen=True)
class Place:
    """Where a request is made: the region and account its resources belong to by default."""

    region: str
    account: str

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        region = self.region if region is None else region
        return f"arn:{PARTITION}:{service}:{region}:{self.account}:{resource}"


def is_arn(value: str) -> bool:
    return value.startswith("arn:")


def arn_region(arn: str) -> str:
    return arn.split(":")[3]


def arn_account(arn: str) -> str:
    return arn.split(":")[4]


def queue_arn(place: Place, queue_url: str) -> str:
    """`https://sqs.<region>.amazonaws.com/<account>/<name>` (or any local cloud host) -> the
    queue's ARN; the region comes from the host when it names one."""
    parsed = urlparse(queue_url)
    account, name = parsed.path.strip("/").split("/")[-2:]
    found = re.match(r"(?:sqs\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.", parsed.hostname or "")
    region = found.group(1) if found else place.region
    return f"arn:{PARTITION}:sqs:{region}:{account}:{name}"


def queue_arn_by_name(place: Place, name: str, owner: str | None = None) -> str:
    return f"arn:{PARTITION}:sqs:{place.region}:{owner or place.account}:{name}"


def table_arn(place: Place, table: str, index: str | None = None) -> str:
    """A table by name or ARN; a Query or Scan on an index is authorised on the index's ARN."""
    base = table if is_arn(table) else place.arn("dynamodb", f"table/{table}")
    return f"{base}/index/{index}" if index else base


def bucket_arn(bucket: str) -> str:
    return f"arn:{PARTITION}:s3:::{bucket}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:{PARTITION}:s3:::{bucket}/{key}"


def function_arn(place: Place, function: str, qualifier: str | None = None) -> str:
    """Lambda's FunctionName (a name, `<account>:function:<name>`, or an ARN, each maybe with
    `:<version or alias>`) -> the ARN Lambda authorises: qualified when the call names a
    version or alias, as a policy on the bare function ARN does not cover it."""
    if is_arn(function):
        parts = function.split(":")
        name, account, region = parts[6], parts[4], parts[3]
        qualifier = qualifier or (parts[7] if len(parts) > 7 else None)
    else:
        parts = function.split(":")
        if len(parts) >= 3 and parts[1] == "function":
            account, name = parts[0], parts[2]
            qualifier = qualifier or (parts[3] if len(parts) > 3 else None)
        else:
            account, name = place.account, parts[0]
            qualifier = qualifier or (parts[1] if len(parts) > 1 else None)
        region = place.region
    arn = f"arn:{PARTITION}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier and qualifier != "$LATEST" else arn


def execution_arns_of(state_machine_arn: str) -> str:
    """Every execution of a state machine (what `.sync` describes and stops)."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:*"


def stream_arn(place: Place, stream_name: str | None, stream_arn: str | None) -> str:
    return stream_arn or place.arn("kinesis", f"stream/{stream_name}")


def secret_arn(place: Place, secret_id: str) -> str:
    """A secret by ARN or by name. By name the ARN's random suffix is unknown here: the caller
    resolves it when it can (see ResourceFacts.secret_arn)."""
    return secret_id if is_arn(secret_id) else place.arn("secretsmanager", f"secret:{secret_id}")


def email_address(address: str) -> str:
    """`"Payroll" <payroll@example.com>` -> `payroll@example.com` (what ses:FromAddress holds)."""
    return parseaddr(address)[1]


def ses_identity_arn(place: Place, address: str) -> str:
    return place.arn("ses", f"identity/{email_address(address)}")


def log_group_arn(place: Place, group: str) -> str:
    return place.arn("logs", f"log-group:{group}")


def log_stream_arn(place: Place, group: str, stream: str) -> str:
    return place.arn("logs", f"log-group:{group}:log-stream:{stream}")


def event_bus_arn(place: Place, bus: str | None) -> str:
    if bus and is_arn(bus):
        return bus
    return place.arn("events", f"event-bus/{bus or 'default'}")


def rule_arn(place: Place, rule: str) -> str:
    return place.arn("events", f"rule/{rule}")


def kms_key_arn(place: Place, key_id: str) -> str:
    """A key as a request names it (ARN, key id, `alias/<name>`) -> its key or alias ARN; an
    alias is resolved to its key by whoever knows the aliases."""
    if is_arn(key_id):
        return key_id
    return place.arn("kms", key_id if key_id.startswith("alias/") else f"key/{key_id}")


def role_arn(place: Place, role: str) -> str:
    return role if is_arn(role) else f"arn:{PARTITION}:iam::{place.account}:role/{role}"
