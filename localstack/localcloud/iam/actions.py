"""The authorisations an AWS API call needs: for each (service, operation) the project and its
tests call, the IAM actions, the resource ARNs built from the request's parameters, the
condition keys AWS sets for that request, and what the service then does with the caller's
permissions (KMS for an encrypted queue, topic, table, bucket, stream or secret; iam:PassRole).

    needed = authorisations(Call("sqs", "SendMessage", parameters, Place(region, account)), facts)

Each Authorisation is what the evaluator's Request takes (action, resources, context), plus who
acts: the caller, or a service principal acting as itself. What the request does not say (the
key a queue is encrypted with, a table's partition key) comes from `facts`, so this module
stays pure. Step Functions tasks, event source mappings and service deliveries are in
`integrations`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from localcloud.iam import arns
from localcloud.iam.arns import Place

Context = dict[str, str | list[str] | bool]


@dataclass(frozen=True)
class Authorisation:
    action: str  # "service:Operation" as IAM spells it
    resources: list[str]  # ARNs, or ["*"] for an action that names no resource
    context: Context = field(default_factory=dict)  # condition keys by their IAM names
    acting_as: str | None = None  # a service principal acting as itself; None: the caller


@dataclass(frozen=True)
class Call:
    service: str  # the SDK's service name: "s3", "dynamodb", "stepfunctions", "sesv2", ...
    operation: str  # the API operation: "PutObject"
    parameters: Mapping[str, Any]
    place: Place
    secure_transport: bool = True  # the request came over HTTPS (aws:SecureTransport)


class ResourceFacts(Protocol):
    """What the local cloud's stores know and a request does not say."""

    def encryption_key(self, resource_arn: str) -> str | None:
        """The ARN of the KMS key (customer or AWS managed) encrypting the queue, topic, table,
        bucket (default encryption), object, stream or secret; None when it is not encrypted
        with a KMS key the caller must be allowed to use (SSE-SQS, DynamoDB's AWS owned key)."""

    def partition_key(self, table_or_index_arn: str) -> str | None:
        """The attribute name of the table's (or index's) partition key."""

    def secret_arn(self, secret_id: str) -> str | None:
        """A secret's full ARN (with its random suffix) from its name or ARN."""

    def stream_of_shard_iterator(self, shard_iterator: str) -> str | None:
        """The ARN of the Kinesis or DynamoDB stream a shard iterator reads."""

    def task_roles(self, task_definition_arn: str) -> tuple[str | None, str | None]:
        """The task role and ECS's (execution) role a task definition names."""

    def task_token_owner(self, task_token: str, place: Place) -> str | None:
        """The ARN of the state machine whose running execution issued the token; None for a
        token no execution issued (or an activity's: LocalStack does not keep its activity)."""

    def key_arn(self, key_id: str, place: Place) -> str | None:
        """The ARN of the KMS key a KeyId names (key id, key ARN, alias name or alias ARN),
        aliases resolved; None when the local cloud has no such key."""

    def ciphertext_key(self, ciphertext: bytes) -> str | None:
        """The id of the KMS key a ciphertext blob was encrypted under, as KMS reads it."""


class NoFacts:
    """Nothing known: no resource is encrypted, no key names are resolved."""

    def encryption_key(self, resource_arn: str) -> str | None:
        return None

    def partition_key(self, table_or_index_arn: str) -> str | None:
        return None

    def secret_arn(self, secret_id: str) -> str | None:
        return None

    def stream_of_shard_iterator(self, shard_iterator: str) -> str | None:
        return None

    def task_roles(self, task_definition_arn: str) -> tuple[str | None, str | None]:
        return None, None

    def task_token_owner(self, task_token: str, place: Place) -> str | None:
        return None

    def key_arn(self, key_id: str, place: Place) -> str | None:
        return None

    def ciphertext_key(self, ciphertext: bytes) -> str | None:
        return None


class UnmappedOperation(LookupError):
    """No mapping for this (service, operation): the message names it."""


class UnreadableRequest(ValueError):
    """The request lacks what its operation must name (the service itself refuses it)."""


Mapper = Callable[[Call, ResourceFacts], list[Authorisation]]
_OPERATIONS: dict[tuple[str, str], Mapper] = {}

# SDK service names whose IAM prefix differs.
IAM_PREFIX = {"stepfunctions": "states", "sesv2": "ses", "dynamodbstreams": "dynamodb"}

# Calls every identity may make: IAM never refuses them.
UNAUTHORISED_CALLS = frozenset({("sts", "GetCallerIdentity")})


def maps(service: str, *operations: str) -> Callable[[Mapper], Mapper]:
    def register(mapper: Mapper) -> Mapper:
        for operation in operations:
            _OPERATIONS[(service, operation)] = mapper
        return mapper

    return register


def is_mapped(service: str, operation: str) -> bool:
    return (service, operation) in _OPERATIONS or (service, operation) in UNAUTHORISED_CALLS


def authorisations(call: Call, facts: ResourceFacts | None = None) -> list[Authorisation]:
    """Every authorisation the call needs, its own first, then those the service makes with
    the caller's permissions. Raises UnmappedOperation for a call not mapped."""
    if (call.service, call.operation) in UNAUTHORISED_CALLS:
        return []
    mapper = _OPERATIONS.get((call.service, call.operation))
    if mapper is None:
        raise UnmappedOperation(f"no IAM mapping for {call.service}:{call.operation}")
    transport: Context = {"aws:SecureTransport": call.secure_transport}
    try:
        needed = mapper(call, facts or NoFacts())
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise UnreadableRequest(f"{call.service}:{call.operation}: {error!r}") from error
    return [
        replace(one, context={**transport, **one.context}) if one.acting_as is None else one
        for one in needed
    ]


def _one(action: str, resource: str, context: Context | None = None) -> Authorisation:
    return Authorisation(action, [resource], dict(context or {}))


def key_use(
    key_arn: str | None, actions: tuple[str, ...], service: str, region: str, context: Context
) -> list[Authorisation]:
    """KMS actions a service calls on the caller's behalf (a forward access session): the key
    policy and the caller's policies see kms:ViaService and aws:CalledVia."""
    if key_arn is None:
        return []
    via = {
        "kms:ViaService": f"{service}.{region}.amazonaws.com",
        "aws:CalledVia": [f"{service}.amazonaws.com"],
        **context,
    }
    return [_one(action, key_arn, via) for action in actions]


def _present(**values: Any) -> Context:
    """Condition keys for the parameters the request gave (a key is absent when not given)."""
    return {name: str(value) for name, value in values.items() if value is not None}


# --- S3 ---------------------------------------------------------------------------------------

_S3_WRITE_KEYS = {
    "s3:x-amz-server-side-encryption": "ServerSideEncryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
    "s3:x-amz-acl": "ACL",
    "s3:x-amz-storage-class": "StorageClass",
}


def _s3_kms(call: Call, key: str | None, actions: tuple[str, ...], obj: str) -> list[Authorisation]:
    context: Context = {"kms:EncryptionContext:aws:s3:arn": obj}
    return key_use(key, actions, "s3", call.place.region, context)


@maps("s3", "GetObject")
def _s3_get(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    obj = arns.object_arn(p["Bucket"], p["Key"])
    action = "s3:GetObjectVersion" if p.get("VersionId") else "s3:GetObject"
    kms = ("kms:Decrypt",)
    return [_one(action, obj), *_s3_kms(call, facts.encryption_key(obj), kms, obj)]


@maps("s3", "HeadObject")
def _s3_head(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    action = "s3:GetObjectVersion" if p.get("VersionId") else "s3:GetObject"
    return [_one(action, arns.object_arn(p["Bucket"], p["Key"]))]


@maps("s3", "PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload")
def _s3_put(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Every part of a multipart upload is s3:PutObject. The object's key is the request's own
    SSEKMSKeyId or the bucket's default; starting an object makes a data key, continuing a
    multipart upload decrypts the upload's."""
    p = call.parameters
    obj = arns.object_arn(p["Bucket"], p["Key"])
    context = {name: p[param] for name, param in _S3_WRITE_KEYS.items() if param in p}
    named = p.get("SSEKMSKeyId")
    key = arns.kms_key_arn(call.place, named) if named else None
    key = key or facts.encryption_key(arns.bucket_arn(p["Bucket"]))
    starts = call.operation in ("PutObject", "CreateMultipartUpload", "CopyObject")
    kms = ("kms:GenerateDataKey",) if starts else ("kms:Decrypt",)
    return [_one("s3:PutObject", obj, context), *_s3_kms(call, key, kms, obj)]


@maps("s3", "CopyObject", "UploadPartCopy")
def _s3_copy(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    source = p["CopySource"]
    if isinstance(source, Mapping):
        source = f"{source['Bucket']}/{source['Key']}"
    source_bucket, source_key = source.lstrip("/").split("?")[0].split("/", 1)
    read = _s3_get(replace(call, parameters={"Bucket": source_bucket, "Key": source_key}), facts)
    write = _s3_put(call, facts)
    write[0].context["s3:x-amz-copy-source"] = source
    return [*write, *read]


@maps("s3", "DeleteObject")
def _s3_delete(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    action = "s3:DeleteObjectVersion" if p.get("VersionId") else "s3:DeleteObject"
    return [_one(action, arns.object_arn(p["Bucket"], p["Key"]))]


@maps("s3", "DeleteObjects")
def _s3_delete_many(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """One request, but S3 authorises each key as its own DeleteObject."""
    bucket = call.parameters["Bucket"]
    return [
        _one(
            "s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject",
            arns.object_arn(bucket, item["Key"]),
        )
        for item in call.parameters["Delete"]["Objects"]
    ]


@maps("s3", "AbortMultipartUpload")
def _s3_abort(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    return [_one("s3:AbortMultipartUpload", arns.object_arn(p["Bucket"], p["Key"]))]


_BUCKET_ACTIONS = {
    "CreateBucket": "s3:CreateBucket",
    "DeleteBucket": "s3:DeleteBucket",
    "PutBucketVersioning": "s3:PutBucketVersioning",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "PutBucketPolicy": "s3:PutBucketPolicy",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "DeleteBucketPolicy": "s3:DeleteBucketPolicy",
}


@maps("s3", *_BUCKET_ACTIONS)
def _s3_bucket(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    bucket = arns.bucket_arn(call.parameters["Bucket"])
    return [_one(_BUCKET_ACTIONS[call.operation], bucket)]


@maps("s3", "ListBuckets")
def _s3_buckets(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("s3:ListAllMyBuckets", "*")]


@maps("s3", "ListObjectsV2", "ListObjects", "HeadBucket")
def _s3_list(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    given = {"s3:prefix": "Prefix", "s3:delimiter": "Delimiter", "s3:max-keys": "MaxKeys"}
    context = _present(**{name: p.get(param) for name, param in given.items()})
    return [_one("s3:ListBucket", arns.bucket_arn(p["Bucket"]), context)]


# --- DynamoDB ---------------------------------------------------------------------------------


def _attribute_value(typed: Any) -> str | None:
    """A key attribute's wire value ({"S": "a"}, {"N": "1"}, {"B": ...}) as text."""
    if isinstance(typed, Mapping) and len(typed) == 1:
        (value,) = typed.values()
        return value if isinstance(value, str) else str(value)
    return None if typed is None else str(typed)


def _table_kms(call: Call, facts: ResourceFacts, table: str) -> list[Authorisation]:
    """A table encrypted with a KMS key: DynamoDB decrypts the table's data key with the
    caller's permissions."""
    name = table.rsplit("table/", 1)[1].split("/")[0]
    context: Context = {
        "kms:EncryptionContext:aws:dynamodb:tableName": name,
        "kms:EncryptionContext:aws:dynamodb:subscriberId": arns.arn_account(table),
    }
    return key_use(
        facts.encryption_key(table), ("kms:Decrypt",), "dynamodb", call.place.region, context
    )


def _leading_keys(facts: ResourceFacts, resource: str, keys: list[Mapping[str, Any]]) -> Context:
    name = facts.partition_key(resource)
    values = [v for key in keys if name and (v := _attribute_value(key.get(name))) is not None]
    return {"dynamodb:LeadingKeys": values} if values else {}


def _item_call(action: str, call: Call, facts: ResourceFacts, item: Mapping) -> list[Authorisation]:
    """One item's operation: `item` holds its TableName and Key (or Item)."""
    table = arns.table_arn(call.place, item["TableName"])
    key = item.get("Key") or item.get("Item") or {}
    context = {
        **_leading_keys(facts, table, [key]),
        **_present(**{"dynamodb:ReturnValues": item.get("ReturnValues")}),
    }
    return [_one(action, table, context), *_table_kms(call, facts, table)]


@maps("dynamodb", "GetItem", "PutItem", "UpdateItem", "DeleteItem")
def _dynamodb_item(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return _item_call(f"dynamodb:{call.operation}", call, facts, call.parameters)


# `#id = :id` or `id = :id`, possibly inside `... AND ...`: the partition key's equality.
_EQUALITY = re.compile(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)")


def _query_leading_keys(call: Call, facts: ResourceFacts, resource: str) -> Context:
    p = call.parameters
    name = facts.partition_key(resource)
    names = p.get("ExpressionAttributeNames", {})
    values = p.get("ExpressionAttributeValues", {})
    for attribute, placeholder in _EQUALITY.findall(p.get("KeyConditionExpression", "")):
        if names.get(attribute, attribute) == name and placeholder in values:
            return {"dynamodb:LeadingKeys": [_attribute_value(values[placeholder]) or ""]}
    return {}


@maps("dynamodb", "Query", "Scan")
def _dynamodb_read_many(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    resource = arns.table_arn(call.place, p["TableName"], p.get("IndexName"))
    context: Context = _present(**{"dynamodb:Select": p.get("Select")})
    if call.operation == "Query":
        context |= _query_leading_keys(call, facts, resource)
    table = arns.table_arn(call.place, p["TableName"])
    return [_one(f"dynamodb:{call.operation}", resource, context), *_table_kms(call, facts, table)]


@maps("dynamodb", "BatchWriteItem", "BatchGetItem")
def _dynamodb_batch(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    needed: list[Authorisation] = []
    for name, requests in call.parameters["RequestItems"].items():
        table = arns.table_arn(call.place, name)
        keys = list(_batch_keys(requests))
        context = _leading_keys(facts, table, keys)
        needed += [_one(f"dynamodb:{call.operation}", table, context)]
        needed += _table_kms(call, facts, table)
    return needed


def _batch_keys(requests: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(requests, Mapping):  # BatchGetItem: {"Keys": [...]}
        yield from requests.get("Keys", [])
        return
    for request in requests:  # BatchWriteItem: [{"PutRequest": {"Item"}}, {"DeleteRequest"...}]
        if "PutRequest" in request:
            yield request["PutRequest"]["Item"]
        else:
            yield request["DeleteRequest"]["Key"]


_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


@maps("dynamodb", "TransactWriteItems", "TransactGetItems")
def _dynamodb_transaction(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Each item of a transaction is authorised as its own operation on its own table."""
    needed: list[Authorisation] = []
    for entry in call.parameters["TransactItems"]:
        ((kind, item),) = entry.items()
        needed += _item_call(_TRANSACT_ACTIONS[kind], call, facts, item)
    return needed


@maps("dynamodb", "DescribeTable", "CreateTable", "DeleteTable", "UpdateTimeToLive")
def _dynamodb_table(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    table = arns.table_arn(call.place, call.parameters["TableName"])
    return [_one(f"dynamodb:{call.operation}", table)]


@maps("dynamodbstreams", "DescribeStream", "GetShardIterator", "GetRecords")
def _dynamodb_stream(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    stream = p.get("StreamArn") or facts.stream_of_shard_iterator(p.get("ShardIterator", ""))
    return [_one(f"dynamodb:{call.operation}", stream or "*")]


@maps("dynamodbstreams", "ListStreams")
def _dynamodb_list_streams(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("dynamodb:ListStreams", "*")]


# --- SQS, SNS, SES ----------------------------------------------------------------------------


def _queue(call: Call) -> str:
    p = call.parameters
    if "QueueUrl" in p:
        return arns.queue_arn(call.place, p["QueueUrl"])
    return arns.queue_arn_by_name(call.place, p["QueueName"], p.get("QueueOwnerAWSAccountId"))


def queue_key_use(key: str | None, actions: tuple[str, ...], queue: str) -> list[Authorisation]:
    context: Context = {"kms:EncryptionContext:aws:sqs:arn": queue}
    return key_use(key, actions, "sqs", arns.arn_region(queue), context)


@maps("sqs", "SendMessage", "SendMessageBatch")
def _sqs_send(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """A producer to a KMS-encrypted queue needs GenerateDataKey and Decrypt on its key."""
    queue = _queue(call)
    kms = ("kms:GenerateDataKey", "kms:Decrypt")
    return [_one("sqs:SendMessage", queue), *queue_key_use(facts.encryption_key(queue), kms, queue)]


@maps("sqs", "ReceiveMessage")
def _sqs_receive(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    queue = _queue(call)
    kms = ("kms:Decrypt",)
    return [
        _one("sqs:ReceiveMessage", queue),
        *queue_key_use(facts.encryption_key(queue), kms, queue),
    ]


_SQS_ACTIONS = {
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


@maps(
    "sqs",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "GetQueueUrl",
    "PurgeQueue",
    "CreateQueue",
    "DeleteQueue",
)
def _sqs_queue(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    action = _SQS_ACTIONS.get(call.operation, call.operation)
    return [_one(f"sqs:{action}", _queue(call))]


@maps("sqs", "ListQueues")
def _sqs_list(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("sqs:ListQueues", "*")]


def topic_key_use(key: str | None, topic: str, acting_as: str | None = None) -> list[Authorisation]:
    context: Context = {"kms:EncryptionContext:aws:sns:topicArn": topic}
    actions = ("kms:GenerateDataKey", "kms:Decrypt")
    needed = key_use(key, actions, "sns", arns.arn_region(topic), context)
    return [replace(one, acting_as=acting_as) for one in needed]


@maps("sns", "Publish", "PublishBatch")
def _sns_publish(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """A publisher to a KMS-encrypted topic needs GenerateDataKey and Decrypt on its key; an
    SMS to a phone number names no topic."""
    p = call.parameters
    topic = p.get("TopicArn") or p.get("TargetArn")
    if topic is None:
        return [_one("sns:Publish", "*")]
    return [_one("sns:Publish", topic), *topic_key_use(facts.encryption_key(topic), topic)]


@maps(
    "sns",
    "Subscribe",
    "ListSubscriptionsByTopic",
    "GetTopicAttributes",
    "SetTopicAttributes",
    "DeleteTopic",
)
def _sns_topic(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"sns:{call.operation}", call.parameters["TopicArn"])]


@maps("sns", "CreateTopic")
def _sns_create(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("sns:CreateTopic", call.place.arn("sns", call.parameters["Name"]))]


@maps("sns", "Unsubscribe", "ListTopics", "ListSubscriptions")
def _sns_unscoped(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"sns:{call.operation}", "*")]


def _recipients(destination: Mapping[str, Any]) -> list[str]:
    addresses = [
        *destination.get("ToAddresses", []),
        *destination.get("CcAddresses", []),
        *destination.get("BccAddresses", []),
    ]
    return [arns.email_address(address) for address in addresses]


def _sender(source: str, recipients: list[str], version: str) -> Context:
    display = source.split("<")[0].strip().strip('"') if "<" in source else None
    return {
        "ses:FromAddress": arns.email_address(source),
        "ses:Recipients": recipients,
        "ses:ApiVersion": version,
        **_present(**{"ses:FromDisplayName": display}),
    }


@maps("ses", "SendEmail", "SendRawEmail")
def _ses_send(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Authorised on the sender's email identity. (When only its domain is verified, AWS
    authorises the domain's identity: the caller resolves that.)"""
    p = call.parameters
    source = p.get("Source") or p.get("FromArn") or ""
    recipients = _recipients(p.get("Destination", {})) or list(p.get("Destinations", []))
    context = _sender(source, recipients, "1")
    return [_one(f"ses:{call.operation}", arns.ses_identity_arn(call.place, source), context)]


@maps("sesv2", "SendEmail")
def _sesv2_send(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    source = p["FromEmailAddress"]
    context = _sender(source, _recipients(p.get("Destination", {})), "2")
    return [_one("ses:SendEmail", arns.ses_identity_arn(call.place, source), context)]


# --- Kinesis ----------------------------------------------------------------------------------


def stream_key_use(key: str | None, actions: tuple[str, ...], stream: str) -> list[Authorisation]:
    context: Context = {"kms:EncryptionContext:aws:kinesis:arn": stream}
    return key_use(key, actions, "kinesis", arns.arn_region(stream), context)


def _stream(call: Call, facts: ResourceFacts) -> str:
    p = call.parameters
    if "StreamARN" in p or "StreamName" in p:
        return arns.stream_arn(call.place, p.get("StreamName"), p.get("StreamARN"))
    return facts.stream_of_shard_iterator(p.get("ShardIterator", "")) or "*"


@maps("kinesis", "PutRecord", "PutRecords")
def _kinesis_put(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    stream = _stream(call, facts)
    kms = ("kms:GenerateDataKey",)
    return [
        _one(f"kinesis:{call.operation}", stream),
        *stream_key_use(facts.encryption_key(stream), kms, stream),
    ]


@maps("kinesis", "GetRecords")
def _kinesis_get(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    stream = _stream(call, facts)
    kms = ("kms:Decrypt",)
    return [
        _one("kinesis:GetRecords", stream),
        *stream_key_use(facts.encryption_key(stream), kms, stream),
    ]


@maps(
    "kinesis",
    "GetShardIterator",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListShards",
    "CreateStream",
    "DeleteStream",
)
def _kinesis_stream(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"kinesis:{call.operation}", _stream(call, facts))]


# --- Step Functions ---------------------------------------------------------------------------


@maps("stepfunctions", "StartExecution", "StartSyncExecution", "ListExecutions")
def _states_machine(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"states:{call.operation}", call.parameters["stateMachineArn"])]


@maps("stepfunctions", "DescribeStateMachine", "DeleteStateMachine", "UpdateStateMachine")
def _states_change_machine(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    needed = [_one(f"states:{call.operation}", p["stateMachineArn"])]
    if p.get("roleArn"):
        needed.append(pass_role(call.place, p["roleArn"], "states.amazonaws.com"))
    return needed


@maps("stepfunctions", "CreateStateMachineAlias", "DeleteStateMachineAlias")
def _states_alias(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Authorised on the alias (`<state machine ARN>:<alias>`)."""
    p = call.parameters
    alias = p.get("stateMachineAliasArn") or f"{_routed_machine(p)}:{p['name']}"
    return [_one(f"states:{call.operation}", alias)]


def _routed_machine(parameters: Mapping[str, Any]) -> str:
    """The state machine of an alias's first version (`<machine ARN>:<version>`)."""
    return parameters["routingConfiguration"][0]["stateMachineVersionArn"].rsplit(":", 1)[0]


@maps(
    "stepfunctions",
    "DescribeExecution",
    "StopExecution",
    "RedriveExecution",
    "GetExecutionHistory",
    "ListMapRuns",
)
def _states_execution(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"states:{call.operation}", call.parameters["executionArn"])]


@maps("stepfunctions", "DescribeMapRun", "UpdateMapRun")
def _states_map_run(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one(f"states:{call.operation}", call.parameters["mapRunArn"])]


@maps("stepfunctions", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")
def _states_task_answer(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Authorised on the state machine the token belongs to, as AWS does. A token no task
    issued names no resource to judge: the service itself refuses it (InvalidToken), as AWS
    does a token it cannot read."""
    owner = facts.task_token_owner(call.parameters["taskToken"], call.place)
    return [_one(f"states:{call.operation}", owner)] if owner else []


@maps("stepfunctions", "ListStateMachines")
def _states_list(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("states:ListStateMachines", "*")]


@maps("stepfunctions", "CreateStateMachine")
def _states_create(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    machine = call.place.arn("states", f"stateMachine:{p['name']}")
    return [
        _one("states:CreateStateMachine", machine),
        pass_role(call.place, p["roleArn"], "states.amazonaws.com"),
    ]


def pass_role(place: Place, role: str, to_service: str) -> Authorisation:
    """Handing a role to a service (a function's execution role, a state machine's role)."""
    return _one("iam:PassRole", arns.role_arn(place, role), {"iam:PassedToService": to_service})


# --- Secrets Manager, CloudWatch, Logs --------------------------------------------------------


@maps("secretsmanager", "GetSecretValue", "DescribeSecret")
def _secret(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Reading a secret's value decrypts it with the caller's permissions on its key."""
    secret_id = call.parameters["SecretId"]
    secret = facts.secret_arn(secret_id) or arns.secret_arn(call.place, secret_id)
    needed = [_one(f"secretsmanager:{call.operation}", secret)]
    if call.operation == "GetSecretValue":
        context: Context = {"kms:EncryptionContext:SecretARN": secret}
        key = facts.encryption_key(secret)
        needed += key_use(key, ("kms:Decrypt",), "secretsmanager", call.place.region, context)
    return needed


@maps("secretsmanager", "CreateSecret", "PutResourcePolicy")
def _secret_setup(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """A new secret is named by its name (its ARN's suffix does not exist yet)."""
    p = call.parameters
    secret_id = p.get("SecretId") or p["Name"]
    secret = facts.secret_arn(secret_id) or arns.secret_arn(call.place, secret_id)
    return [_one(f"secretsmanager:{call.operation}", secret)]


@maps("cloudwatch", "PutMetricData")
def _put_metric_data(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Names no resource: a policy scopes it by namespace."""
    namespace = {"cloudwatch:namespace": call.parameters["Namespace"]}
    return [_one("cloudwatch:PutMetricData", "*", namespace)]


@maps("cloudwatch", "SetAlarmState")
def _set_alarm_state(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    alarm = call.place.arn("cloudwatch", f"alarm:{call.parameters['AlarmName']}")
    return [_one("cloudwatch:SetAlarmState", alarm)]


_UNSCOPED = {
    "cloudwatch": ("GetMetricStatistics", "GetMetricData", "ListMetrics", "DescribeAlarms"),
    "logs": ("DescribeLogGroups",),
    "ses": ("ListIdentities", "VerifyEmailIdentity", "DeleteIdentity", "GetSendQuota"),
    "kms": ("CreateKey", "ListKeys", "ListAliases", "GenerateRandom"),
}


def _unscoped(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Actions IAM authorises on "*": they name no resource type."""
    return [_one(f"{call.service}:{call.operation}", "*")]


for _service, _operations in _UNSCOPED.items():
    maps(_service, *_operations)(_unscoped)


@maps("logs", "CreateLogGroup", "DeleteLogGroup", "DescribeLogStreams", "FilterLogEvents")
def _log_group(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    group = p.get("logGroupName") or p["logGroupIdentifier"]
    resource = group if arns.is_arn(group) else arns.log_group_arn(call.place, group)
    return [_one(f"logs:{call.operation}", resource)]


@maps("logs", "CreateLogStream", "PutLogEvents", "GetLogEvents")
def _log_stream(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    group = p.get("logGroupName") or p["logGroupIdentifier"].split(":log-group:")[-1]
    stream = arns.log_stream_arn(call.place, group, p["logStreamName"])
    return [_one(f"logs:{call.operation}", stream)]


# --- KMS: a principal's own calls on a key ----------------------------------------------------

# Operations judged on the one key their KeyId names, as the key's own action.
_KEY_OPERATIONS = (
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "Sign",
    "Verify",
    "GetPublicKey",
    "DescribeKey",
    "GetKeyPolicy",
    "PutKeyPolicy",
    "GetKeyRotationStatus",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "EnableKey",
    "DisableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "UpdateKeyDescription",
    "TagResource",
    "UntagResource",
    "ListResourceTags",
    "CreateGrant",
    "ListGrants",
)


def _key_context(pairs: Mapping[str, str] | None, named: str | None) -> Context:
    """The KMS condition keys of a direct call: the encryption context, each pair and its keys,
    and the alias the request named (kms:RequestAlias). No kms:ViaService: no service asks."""
    pairs = pairs or {}
    context: Context = {f"kms:EncryptionContext:{k}": v for k, v in pairs.items()}
    if pairs:
        context["kms:EncryptionContextKeys"] = list(pairs)
    if named and "alias/" in named:
        context["kms:RequestAlias"] = "alias/" + named.split("alias/", 1)[1]
    return context


def _key_named(call: Call, facts: ResourceFacts, named: str | None, blob: Any = None) -> str | None:
    """The key's ARN from a KeyId, or (Decrypt, ReEncrypt without one) from the ciphertext."""
    key_id = named or (facts.ciphertext_key(blob) if blob else None)
    return facts.key_arn(key_id, call.place) if key_id else None


@maps("kms", *_KEY_OPERATIONS)
def _key_call(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Authorised on the key itself (an alias resolved to its key), under its key policy. A key
    the local cloud does not have names nothing to judge: KMS answers NotFoundException."""
    p = call.parameters
    key = _key_named(call, facts, p.get("KeyId"), p.get("CiphertextBlob"))
    if key is None:
        return []
    context = _key_context(p.get("EncryptionContext"), p.get("KeyId"))
    return [_one(f"kms:{call.operation}", key, context)]


@maps("kms", "ReEncrypt")
def _re_encrypt(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Two permissions: kms:ReEncryptFrom on the key the ciphertext was made under, and
    kms:ReEncryptTo on the destination key."""
    p = call.parameters
    source = _key_named(call, facts, p.get("SourceKeyId"), p.get("CiphertextBlob"))
    destination = _key_named(call, facts, p.get("DestinationKeyId"))
    if source is None or destination is None:
        return []
    same = {"kms:ReEncryptOnSameKey": source == destination}
    source_context = _key_context(p.get("SourceEncryptionContext"), p.get("SourceKeyId"))
    target_context = _key_context(p.get("DestinationEncryptionContext"), p.get("DestinationKeyId"))
    return [
        _one("kms:ReEncryptFrom", source, {**source_context, **same}),
        _one("kms:ReEncryptTo", destination, {**target_context, **same}),
    ]


@maps("kms", "CreateAlias", "DeleteAlias", "UpdateAlias")
def _key_alias(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """On the alias and on its key (UpdateAlias: the new key; DeleteAlias: the key it names)."""
    p = call.parameters
    alias = call.place.arn("kms", p["AliasName"])
    key = _key_named(call, facts, p.get("TargetKeyId") or p["AliasName"])
    return [
        _one(f"kms:{call.operation}", alias),
        *([_one(f"kms:{call.operation}", key)] if key else []),
    ]


# --- Lambda, EventBridge, STS -----------------------------------------------------------------


@maps("lambda", "Invoke", "InvokeAsync")
def _lambda_invoke(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    function = arns.function_arn(call.place, p["FunctionName"], p.get("Qualifier"))
    return [_one("lambda:InvokeFunction", function)]


@maps(
    "lambda",
    "GetFunction",
    "GetFunctionConfiguration",
    "GetFunctionConcurrency",
    "DeleteFunction",
    "UpdateFunctionCode",
)
def _lambda_read(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    function = arns.function_arn(call.place, p["FunctionName"], p.get("Qualifier"))
    return [_one(f"lambda:{call.operation}", function)]


# A function's URL and resource policy: the same action on the same function ARN.
maps("lambda", "AddPermission", "CreateFunctionUrlConfig", "GetFunctionUrlConfig")(_lambda_read)


@maps("lambda", "CreateFunction", "UpdateFunctionConfiguration")
def _lambda_configure(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    needed = [_one(f"lambda:{call.operation}", arns.function_arn(call.place, p["FunctionName"]))]
    if "Role" in p:
        needed.append(pass_role(call.place, p["Role"], "lambda.amazonaws.com"))
    return needed


@maps("lambda", "ListFunctions")
def _lambda_list(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("lambda:ListFunctions", "*")]


@maps("lambda", "PublishLayerVersion")
def _lambda_layer(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    layer = call.place.arn("lambda", f"layer:{call.parameters['LayerName']}")
    return [_one("lambda:PublishLayerVersion", layer)]


@maps("events", "PutRule", "DeleteRule", "RemoveTargets", "DescribeRule")
def _events_rule(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    rule = p.get("Name") or p["Rule"]
    bus = p.get("EventBusName")
    name = f"{bus}/{rule}" if bus and bus != "default" else rule
    return [_one(f"events:{call.operation}", arns.rule_arn(call.place, name))]


@maps("events", "PutEvents")
def _put_events(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Each entry is authorised on its bus, with its source and detail type."""
    return [
        _one(
            "events:PutEvents",
            arns.event_bus_arn(call.place, entry.get("EventBusName")),
            {
                "events:source": entry.get("Source", ""),
                "events:detail-type": entry.get("DetailType", ""),
            },
        )
        for entry in call.parameters["Entries"]
    ]


@maps("events", "PutTargets")
def _put_targets(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """A target with a RoleArn passes that role to EventBridge."""
    p = call.parameters
    rule = arns.rule_arn(call.place, p["Rule"])
    roles = [t["RoleArn"] for t in p["Targets"] if t.get("RoleArn")]
    return [
        _one("events:PutTargets", rule),
        *(pass_role(call.place, role, "events.amazonaws.com") for role in roles),
    ]


@maps("scheduler", "CreateSchedule", "UpdateSchedule", "DeleteSchedule", "GetSchedule")
def _schedule(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """A schedule's target role is passed to EventBridge Scheduler, which calls as it."""
    p = call.parameters
    schedule = call.place.arn(
        "scheduler", f"schedule/{p.get('GroupName') or 'default'}/{p['Name']}"
    )
    role = (p.get("Target") or {}).get("RoleArn")
    return [
        _one(f"scheduler:{call.operation}", schedule),
        *([pass_role(call.place, role, "scheduler.amazonaws.com")] if role else []),
    ]


@maps("scheduler", "ListSchedules")
def _list_schedules(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("scheduler:ListSchedules", "*")]


@maps("sts", "AssumeRole")
def _assume_role(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("sts:AssumeRole", call.parameters["RoleArn"])]


# --- ECS (the imports workflow's task), and what its local-cloud tests set up ------------------


def _task_definition_arn(place: Place, task_definition: str) -> str:
    return (
        task_definition
        if arns.is_arn(task_definition)
        else place.arn("ecs", f"task-definition/{task_definition}")
    )


def _cluster_arn(place: Place, cluster: str | None) -> str:
    cluster = cluster or "default"
    return cluster if arns.is_arn(cluster) else place.arn("ecs", f"cluster/{cluster}")


@maps("ecs", "RunTask")
def _run_task(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Run on the task definition in the cluster; the task's two roles (the definition's, or
    their overrides) are passed to ECS's tasks ("Amazon ECS task IAM role": iam:PassRole)."""
    p = call.parameters
    cluster = {"ecs:cluster": _cluster_arn(call.place, p.get("cluster"))}
    task_definition = _task_definition_arn(call.place, p["taskDefinition"])
    needed = [_one("ecs:RunTask", task_definition, cluster)]
    overrides = p.get("overrides") or {}
    task_role, execution_role = facts.task_roles(task_definition)
    for role in (
        overrides.get("taskRoleArn") or task_role,
        overrides.get("executionRoleArn") or execution_role,
    ):
        if role:
            needed.append(pass_role(call.place, role, "ecs-tasks.amazonaws.com"))
    return needed


@maps("ecs", "DescribeTasks", "StopTask")
def _tasks(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    p = call.parameters
    cluster_arn = _cluster_arn(call.place, p.get("cluster"))
    cluster_name = cluster_arn.rsplit("/", 1)[-1]
    tasks = p.get("tasks") or [p["task"]]
    resources = [
        t if arns.is_arn(t) else call.place.arn("ecs", f"task/{cluster_name}/{t}") for t in tasks
    ]
    return [Authorisation(f"ecs:{call.operation}", resources, {"ecs:cluster": cluster_arn})]


@maps("ecs", "ListTasks")
def _list_tasks(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    cluster = {"ecs:cluster": _cluster_arn(call.place, call.parameters.get("cluster"))}
    return [_one("ecs:ListTasks", "*", cluster)]


@maps("ecs", "RegisterTaskDefinition")
def _register_task_definition(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    """Names no resource; the task's and ECS's roles are passed to ECS's tasks."""
    p = call.parameters
    roles = [p[name] for name in ("taskRoleArn", "executionRoleArn") if p.get(name)]
    return [
        _one("ecs:RegisterTaskDefinition", "*"),
        *(pass_role(call.place, role, "ecs-tasks.amazonaws.com") for role in roles),
    ]


maps("ecs", "CreateCluster", "DescribeTaskDefinition")(_unscoped)
# make deploy logs Docker in to push the importer's image (it names no resource).
maps("ecr", "GetAuthorizationToken")(_unscoped)


@maps("iam", "CreateRole")
def _create_role(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    return [_one("iam:CreateRole", arns.role_arn(call.place, call.parameters["RoleName"]))]


@maps("secretsmanager", "CreateSecret")
def _create_secret(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    secret = arns.secret_arn(call.place, call.parameters["Name"])
    return [_one("secretsmanager:CreateSecret", secret)]


@maps("ssm", "PutParameter")
def _put_parameter(call: Call, facts: ResourceFacts) -> list[Authorisation]:
    name = call.parameters["Name"]
    return [_one("ssm:PutParameter", call.place.arn("ssm", f"parameter/{name.lstrip('/')}"))]
