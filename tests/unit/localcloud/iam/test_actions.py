"""Each API call the project makes maps to the IAM actions, resource ARNs and condition keys AWS
authorises it with, and to the KMS calls the service makes with the caller's permissions; every
one of them is as AWS's published definitions document it."""

from __future__ import annotations

import pytest

from localcloud.iam.actions import (
    Authorisation,
    Call,
    UnmappedOperation,
    UnreadableRequest,
    authorisations,
)
from unit.localcloud.iam.aws_definitions import problems
from unit.localcloud.iam.resources import (
    ARN,
    ENCRYPTED,
    EXECUTION,
    HERE,
    KEY,
    MACHINE,
    PLAIN,
    QUEUE,
    QUEUE_URL,
    SEALED,
    SECRET,
    STREAM,
    TABLE,
    TASK_DEFINITION,
    TASK_EXECUTION_ROLE,
    TASK_ROLE,
    TOPIC,
)


def via(service: str, **context: object) -> dict[str, object]:
    return {
        "aws:SecureTransport": True,
        "kms:ViaService": f"{service}.us-east-1.amazonaws.com",
        "aws:CalledVia": [f"{service}.amazonaws.com"],
        **context,
    }


def own(action: str, resource: str, **context: object) -> Authorisation:
    return Authorisation(action, [resource], {"aws:SecureTransport": True, **context})


SQS_KEY = {"kms:EncryptionContext:aws:sqs:arn": QUEUE}
SNS_KEY = {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}
TABLE_KEY = {
    "kms:EncryptionContext:aws:dynamodb:tableName": "applications",
    "kms:EncryptionContext:aws:dynamodb:subscriberId": "000000000000",
}
OBJECT = "arn:aws:s3:::raw-data/in/a.csv"
S3_KEY = {"kms:EncryptionContext:aws:s3:arn": OBJECT}
KINESIS_KEY = {"kms:EncryptionContext:aws:kinesis:arn": STREAM}
CLUSTER = {"ecs:cluster": "arn:aws:ecs:us-east-1:000000000000:cluster/imports"}
TO_ECS_TASKS = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}

CASES = {
    "sqs send, encrypted queue": (
        ("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "{}"}),
        [
            own("sqs:SendMessage", QUEUE),
            Authorisation("kms:GenerateDataKey", [KEY], via("sqs", **SQS_KEY)),
            Authorisation("kms:Decrypt", [KEY], via("sqs", **SQS_KEY)),
        ],
    ),
    "sqs receive, encrypted queue": (
        ("sqs", "ReceiveMessage", {"QueueUrl": QUEUE_URL}),
        [
            own("sqs:ReceiveMessage", QUEUE),
            Authorisation("kms:Decrypt", [KEY], via("sqs", **SQS_KEY)),
        ],
    ),
    "sqs delete batch": (
        ("sqs", "DeleteMessageBatch", {"QueueUrl": QUEUE_URL, "Entries": []}),
        [own("sqs:DeleteMessage", QUEUE)],
    ),
    "sqs queue url by name": (
        ("sqs", "GetQueueUrl", {"QueueName": "comms-queue"}),
        [own("sqs:GetQueueUrl", QUEUE)],
    ),
    "sns publish, encrypted topic": (
        ("sns", "Publish", {"TopicArn": TOPIC, "Message": "x"}),
        [
            own("sns:Publish", TOPIC),
            Authorisation("kms:GenerateDataKey", [KEY], via("sns", **SNS_KEY)),
            Authorisation("kms:Decrypt", [KEY], via("sns", **SNS_KEY)),
        ],
    ),
    "dynamodb put, leading key and customer key": (
        (
            "dynamodb",
            "PutItem",
            {"TableName": "applications", "Item": {"applicationId": {"S": "a-1"}}},
        ),
        [
            own("dynamodb:PutItem", TABLE, **{"dynamodb:LeadingKeys": ["a-1"]}),
            Authorisation("kms:Decrypt", [KEY], via("dynamodb", **TABLE_KEY)),
        ],
    ),
    "dynamodb update returning values": (
        (
            "dynamodb",
            "UpdateItem",
            {
                "TableName": "applications",
                "Key": {"applicationId": {"S": "a-1"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        [
            own(
                "dynamodb:UpdateItem",
                TABLE,
                **{"dynamodb:LeadingKeys": ["a-1"], "dynamodb:ReturnValues": "ALL_NEW"},
            ),
            Authorisation("kms:Decrypt", [KEY], via("dynamodb", **TABLE_KEY)),
        ],
    ),
    "dynamodb query on an index": (
        (
            "dynamodb",
            "Query",
            {
                "TableName": "applications",
                "IndexName": "byStatus",
                "KeyConditionExpression": "#s = :s AND #t > :t",
                "ExpressionAttributeNames": {"#s": "status", "#t": "updatedAt"},
                "ExpressionAttributeValues": {":s": {"S": "FAILED"}, ":t": {"N": "5"}},
            },
        ),
        [
            own(
                "dynamodb:Query", f"{TABLE}/index/byStatus", **{"dynamodb:LeadingKeys": ["FAILED"]}
            ),
            Authorisation("kms:Decrypt", [KEY], via("dynamodb", **TABLE_KEY)),
        ],
    ),
    "dynamodb batch write": (
        (
            "dynamodb",
            "BatchWriteItem",
            {
                "RequestItems": {
                    "applications": [
                        {"PutRequest": {"Item": {"applicationId": {"S": "a-1"}}}},
                        {"DeleteRequest": {"Key": {"applicationId": {"S": "a-2"}}}},
                    ]
                }
            },
        ),
        [
            own("dynamodb:BatchWriteItem", TABLE, **{"dynamodb:LeadingKeys": ["a-1", "a-2"]}),
            Authorisation("kms:Decrypt", [KEY], via("dynamodb", **TABLE_KEY)),
        ],
    ),
    "dynamodb transaction: each item its own action": (
        (
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"ConditionCheck": {"TableName": "other", "Key": {"id": {"S": "1"}}}},
                    {"Delete": {"TableName": "other", "Key": {"id": {"S": "2"}}}},
                ]
            },
        ),
        [
            own("dynamodb:ConditionCheckItem", ARN.format("dynamodb", "table/other")),
            own("dynamodb:DeleteItem", ARN.format("dynamodb", "table/other")),
        ],
    ),
    "s3 put, bucket default key": (
        ("s3", "PutObject", {"Bucket": "raw-data", "Key": "in/a.csv", "Body": b""}),
        [
            own("s3:PutObject", OBJECT),
            Authorisation("kms:GenerateDataKey", [KEY], via("s3", **S3_KEY)),
        ],
    ),
    "s3 put naming its key": (
        (
            "s3",
            "PutObject",
            {"Bucket": "other", "Key": "k", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY},
        ),
        [
            own(
                "s3:PutObject",
                "arn:aws:s3:::other/k",
                **{
                    "s3:x-amz-server-side-encryption": "aws:kms",
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
                },
            ),
            Authorisation(
                "kms:GenerateDataKey",
                [KEY],
                via("s3", **{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other/k"}),
            ),
        ],
    ),
    "s3 upload part continues the upload's key": (
        (
            "s3",
            "UploadPart",
            {"Bucket": "raw-data", "Key": "in/a.csv", "UploadId": "u", "PartNumber": 2},
        ),
        [own("s3:PutObject", OBJECT), Authorisation("kms:Decrypt", [KEY], via("s3", **S3_KEY))],
    ),
    "s3 get, encrypted object": (
        ("s3", "GetObject", {"Bucket": "raw-data", "Key": "in/a.csv"}),
        [own("s3:GetObject", OBJECT), Authorisation("kms:Decrypt", [KEY], via("s3", **S3_KEY))],
    ),
    "s3 head needs no key": (
        ("s3", "HeadObject", {"Bucket": "raw-data", "Key": "in/a.csv"}),
        [own("s3:GetObject", OBJECT)],
    ),
    "s3 delete objects: each key": (
        (
            "s3",
            "DeleteObjects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y/z"}]}},
        ),
        [own("s3:DeleteObject", "arn:aws:s3:::b/x"), own("s3:DeleteObject", "arn:aws:s3:::b/y/z")],
    ),
    "s3 abort multipart": (
        ("s3", "AbortMultipartUpload", {"Bucket": "b", "Key": "x", "UploadId": "u"}),
        [own("s3:AbortMultipartUpload", "arn:aws:s3:::b/x")],
    ),
    "s3 list with a prefix": (
        ("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "parts/r-1/", "MaxKeys": 10}),
        [
            own(
                "s3:ListBucket",
                "arn:aws:s3:::b",
                **{"s3:prefix": "parts/r-1/", "s3:max-keys": "10"},
            )
        ],
    ),
    "kinesis put, encrypted stream": (
        ("kinesis", "PutRecord", {"StreamName": "applications", "Data": b"", "PartitionKey": "a"}),
        [
            own("kinesis:PutRecord", STREAM),
            Authorisation("kms:GenerateDataKey", [KEY], via("kinesis", **KINESIS_KEY)),
        ],
    ),
    "kinesis get records by iterator": (
        ("kinesis", "GetRecords", {"ShardIterator": "iterator-1"}),
        [
            own("kinesis:GetRecords", STREAM),
            Authorisation("kms:Decrypt", [KEY], via("kinesis", **KINESIS_KEY)),
        ],
    ),
    "ses send: identity, sender and recipients": (
        (
            "ses",
            "SendEmail",
            {
                "Source": '"Approvals" <approvals@example.com>',
                "Destination": {"ToAddresses": ["Rita <rita@example.com>"]},
                "Message": {},
            },
        ),
        [
            own(
                "ses:SendEmail",
                ARN.format("ses", "identity/approvals@example.com"),
                **{
                    "ses:FromAddress": "approvals@example.com",
                    "ses:Recipients": ["rita@example.com"],
                    "ses:ApiVersion": "1",
                    "ses:FromDisplayName": "Approvals",
                },
            )
        ],
    ),
    "step functions start": (
        ("stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "name": "run-1"}),
        [own("states:StartExecution", MACHINE)],
    ),
    "step functions list running": (
        (
            "stepfunctions",
            "ListExecutions",
            {"stateMachineArn": MACHINE, "statusFilter": "RUNNING"},
        ),
        [own("states:ListExecutions", MACHINE)],
    ),
    "step functions describe execution": (
        ("stepfunctions", "DescribeExecution", {"executionArn": EXECUTION}),
        [own("states:DescribeExecution", EXECUTION)],
    ),
    "step functions task answer, on its token's state machine": (
        ("stepfunctions", "SendTaskFailure", {"taskToken": "token-of-payroll", "error": "E"}),
        [own("states:SendTaskFailure", MACHINE)],
    ),
    "step functions task answer with a token no task issued: the service refuses it": (
        ("stepfunctions", "SendTaskSuccess", {"taskToken": "t", "output": "{}"}),
        [],
    ),
    "secret by name, its key": (
        ("secretsmanager", "GetSecretValue", {"SecretId": "resend"}),
        [
            own("secretsmanager:GetSecretValue", SECRET),
            Authorisation(
                "kms:Decrypt",
                [KEY],
                via("secretsmanager", **{"kms:EncryptionContext:SecretARN": SECRET}),
            ),
        ],
    ),
    "metric data by namespace": (
        ("cloudwatch", "PutMetricData", {"Namespace": "wf-local", "MetricData": []}),
        [own("cloudwatch:PutMetricData", "*", **{"cloudwatch:namespace": "wf-local"})],
    ),
    "lambda invoke by name": (
        ("lambda", "Invoke", {"FunctionName": "wf-local-health"}),
        [own("lambda:InvokeFunction", ARN.format("lambda", "function:wf-local-health"))],
    ),
    "lambda invoke of an alias by partial ARN": (
        ("lambda", "Invoke", {"FunctionName": "000000000000:function:calc:live"}),
        [own("lambda:InvokeFunction", ARN.format("lambda", "function:calc:live"))],
    ),
    "lambda create passes its role": (
        (
            "lambda",
            "CreateFunction",
            {"FunctionName": "f", "Role": "arn:aws:iam::000000000000:role/r"},
        ),
        [
            own("lambda:CreateFunction", ARN.format("lambda", "function:f")),
            own(
                "iam:PassRole",
                "arn:aws:iam::000000000000:role/r",
                **{"iam:PassedToService": "lambda.amazonaws.com"},
            ),
        ],
    ),
    "log events": (
        (
            "logs",
            "PutLogEvents",
            {"logGroupName": "/aws/lambda/f", "logStreamName": "s", "logEvents": []},
        ),
        [own("logs:PutLogEvents", ARN.format("logs", "log-group:/aws/lambda/f:log-stream:s"))],
    ),
    "ecs run task, the definition's two roles passed": (
        ("ecs", "RunTask", {"cluster": "imports", "taskDefinition": TASK_DEFINITION}),
        [
            own("ecs:RunTask", TASK_DEFINITION, **CLUSTER),
            own("iam:PassRole", TASK_ROLE, **TO_ECS_TASKS),
            own("iam:PassRole", TASK_EXECUTION_ROLE, **TO_ECS_TASKS),
        ],
    ),
    "ecs run task, a role override passed instead": (
        (
            "ecs",
            "RunTask",
            {
                "cluster": "imports",
                "taskDefinition": TASK_DEFINITION,
                "overrides": {"taskRoleArn": "arn:aws:iam::000000000000:role/other"},
            },
        ),
        [
            own("ecs:RunTask", TASK_DEFINITION, **CLUSTER),
            own("iam:PassRole", "arn:aws:iam::000000000000:role/other", **TO_ECS_TASKS),
            own("iam:PassRole", TASK_EXECUTION_ROLE, **TO_ECS_TASKS),
        ],
    ),
    "events put, per entry": (
        (
            "events",
            "PutEvents",
            {"Entries": [{"Source": "wf", "DetailType": "Done", "Detail": "{}"}]},
        ),
        [
            own(
                "events:PutEvents",
                ARN.format("events", "event-bus/default"),
                **{"events:source": "wf", "events:detail-type": "Done"},
            )
        ],
    ),
}


PAYROLL = {"workflow": "payroll"}
PAYROLL_KEYS = {
    "kms:EncryptionContext:workflow": "payroll",
    "kms:EncryptionContextKeys": ["workflow"],
}
# A principal's own KMS calls: on the key (an alias resolved), with KMS's condition keys and no
# kms:ViaService.
CASES |= {
    "kms encrypt through an alias": (
        (
            "kms",
            "Encrypt",
            {"KeyId": "alias/data", "Plaintext": b"x", "EncryptionContext": PAYROLL},
        ),
        [own("kms:Encrypt", KEY, **PAYROLL_KEYS, **{"kms:RequestAlias": "alias/data"})],
    ),
    "kms decrypt, the key read from the ciphertext": (
        ("kms", "Decrypt", {"CiphertextBlob": SEALED}),
        [own("kms:Decrypt", KEY)],
    ),
    "kms re-encrypt": (
        ("kms", "ReEncrypt", {"CiphertextBlob": SEALED, "DestinationKeyId": KEY}),
        [
            own("kms:ReEncryptFrom", KEY, **{"kms:ReEncryptOnSameKey": True}),
            own("kms:ReEncryptTo", KEY, **{"kms:ReEncryptOnSameKey": True}),
        ],
    ),
    "kms describe key by its ARN": (
        ("kms", "DescribeKey", {"KeyId": KEY}),
        [own("kms:DescribeKey", KEY)],
    ),
    "kms generate data key by id": (
        ("kms", "GenerateDataKey", {"KeyId": KEY.rsplit("/", 1)[1], "KeySpec": "AES_256"}),
        [own("kms:GenerateDataKey", KEY)],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_call_needs_what_aws_authorises(case) -> None:
    # GIVEN a call, and resources encrypted with a KMS key where the case has one
    (service, operation, parameters), expected = case
    # WHEN its authorisations are worked out
    needed = authorisations(Call(service, operation, parameters, HERE), ENCRYPTED)
    # THEN they are AWS's, each documented as AWS publishes it
    assert needed == expected
    assert [problem for one in needed for problem in problems(one)] == []


def test_no_key_no_kms() -> None:
    # GIVEN a queue without a KMS key (SSE-SQS)
    call = Call("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "{}"}, HERE)
    # WHEN / THEN only the queue's own action is needed
    assert [one.action for one in authorisations(call, PLAIN)] == ["sqs:SendMessage"]


def test_plain_http_is_not_secure_transport() -> None:
    call = Call("s3", "HeadObject", {"Bucket": "b", "Key": "k"}, HERE, secure_transport=False)
    assert authorisations(call)[0].context == {"aws:SecureTransport": False}


def test_a_queue_url_names_its_region_and_account() -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/q"
    call = Call("sqs", "GetQueueAttributes", {"QueueUrl": url}, HERE)
    assert authorisations(call)[0].resources == ["arn:aws:sqs:eu-west-1:123456789012:q"]


def test_an_unmapped_call_is_named() -> None:
    with pytest.raises(UnmappedOperation, match="ec2:RunInstances"):
        authorisations(Call("ec2", "RunInstances", {}, HERE))


def test_a_request_lacking_its_resource_is_a_named_error() -> None:
    with pytest.raises(UnreadableRequest, match="sqs:SendMessage"):
        authorisations(Call("sqs", "SendMessage", {"MessageBody": "x"}, HERE))


# The calls the tests, tools and benchmarks make to set up and inspect (with root's
# credentials, which are never refused; mapped so a role making them is judged as on AWS).
SETUP_CALLS = [
    ("sqs", "CreateQueue", {"QueueName": "q"}),
    ("sqs", "DeleteQueue", {"QueueUrl": QUEUE_URL}),
    ("sqs", "ListQueues", {}),
    ("sns", "CreateTopic", {"Name": "t"}),
    ("sns", "DeleteTopic", {"TopicArn": TOPIC}),
    ("sns", "Subscribe", {"TopicArn": TOPIC, "Protocol": "sqs", "Endpoint": QUEUE}),
    ("dynamodb", "CreateTable", {"TableName": "t"}),
    ("dynamodb", "DeleteTable", {"TableName": "t"}),
    ("dynamodb", "Scan", {"TableName": "applications"}),
    ("kinesis", "CreateStream", {"StreamName": "s"}),
    ("s3", "CreateBucket", {"Bucket": "b"}),
    ("s3", "DeleteBucket", {"Bucket": "b"}),
    ("s3", "ListBuckets", {}),
    ("s3", "PutBucketVersioning", {"Bucket": "b", "VersioningConfiguration": {}}),
    ("s3", "ListObjectVersions", {"Bucket": "b"}),
    ("s3", "ListMultipartUploads", {"Bucket": "b"}),
    ("s3", "DeleteObject", {"Bucket": "b", "Key": "k"}),
    (
        "s3",
        "UploadPartCopy",
        {"Bucket": "b", "Key": "k", "CopySource": "a/x", "UploadId": "u", "PartNumber": 1},
    ),
    ("lambda", "DeleteFunction", {"FunctionName": "f"}),
    ("lambda", "GetFunctionConcurrency", {"FunctionName": "f"}),
    ("lambda", "UpdateFunctionCode", {"FunctionName": "f"}),
    ("lambda", "ListFunctions", {}),
    ("lambda", "PublishLayerVersion", {"LayerName": "common"}),
    ("stepfunctions", "UpdateStateMachine", {"stateMachineArn": MACHINE, "roleArn": "r"}),
    ("stepfunctions", "DeleteStateMachine", {"stateMachineArn": MACHINE}),
    ("stepfunctions", "CreateStateMachine", {"name": "m", "roleArn": "r", "definition": "{}"}),
    (
        "stepfunctions",
        "CreateStateMachineAlias",
        {"name": "live", "routingConfiguration": [{"stateMachineVersionArn": f"{MACHINE}:1"}]},
    ),
    ("stepfunctions", "DeleteStateMachineAlias", {"stateMachineAliasArn": f"{MACHINE}:live"}),
    ("stepfunctions", "StopExecution", {"executionArn": EXECUTION}),
    ("stepfunctions", "GetExecutionHistory", {"executionArn": EXECUTION}),
    ("events", "PutRule", {"Name": "r"}),
    ("events", "DeleteRule", {"Name": "r", "EventBusName": "orders"}),
    ("events", "RemoveTargets", {"Rule": "r", "Ids": ["1"]}),
    ("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "1", "Arn": QUEUE, "RoleArn": "r"}]}),
    ("logs", "DescribeLogGroups", {}),
    ("logs", "FilterLogEvents", {"logGroupName": "/aws/lambda/f"}),
    ("logs", "GetLogEvents", {"logGroupName": "/aws/lambda/f", "logStreamName": "s"}),
    ("cloudwatch", "GetMetricStatistics", {"Namespace": "AWS/Lambda"}),
    ("cloudwatch", "ListMetrics", {}),
    ("ses", "VerifyEmailIdentity", {"EmailAddress": "a@example.com"}),
    ("ses", "DeleteIdentity", {"Identity": "a@example.com"}),
    ("ses", "ListIdentities", {}),
    ("sesv2", "SendEmail", {"FromEmailAddress": "a@example.com", "Destination": {}}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::000000000000:role/r"}),
    ("s3", "PutBucketPolicy", {"Bucket": "b", "Policy": "{}"}),
    ("sns", "SetTopicAttributes", {"TopicArn": TOPIC, "AttributeName": "Policy"}),
    ("kms", "CreateKey", {}),
    ("secretsmanager", "CreateSecret", {"Name": "bureau-key"}),
    ("secretsmanager", "PutResourcePolicy", {"SecretId": "bureau-key", "ResourcePolicy": "{}"}),
    ("dynamodbstreams", "DescribeStream", {"StreamArn": f"{TABLE}/stream/2026-12-07T00:00:00.000"}),
    ("ecs", "DescribeTaskDefinition", {"taskDefinition": TASK_DEFINITION}),
]


@pytest.mark.parametrize("call", SETUP_CALLS, ids=lambda call: f"{call[0]}:{call[1]}")
def test_setup_calls_are_authorised_as_aws_documents(call) -> None:
    needed = authorisations(Call(*call, HERE), ENCRYPTED)
    assert needed
    assert [problem for one in needed for problem in problems(one)] == []


@pytest.mark.parametrize(
    "named, key",
    [
        ("6d9c7f2e-0000-4000-8000-000000000001", KEY),
        ("alias/aws/s3", ARN.format("kms", "alias/aws/s3")),
        (KEY, KEY),
    ],
)
def test_a_key_named_by_id_or_alias_is_used_by_its_arn(named: str, key: str) -> None:
    call = Call("s3", "PutObject", {"Bucket": "b", "Key": "k", "SSEKMSKeyId": named}, HERE)
    assert authorisations(call)[1].resources == [key]


def test_a_key_the_local_cloud_does_not_have_is_left_to_kms() -> None:
    # GIVEN an Encrypt naming a key that does not exist
    call = Call("kms", "Encrypt", {"KeyId": "alias/missing", "Plaintext": b"x"}, HERE)
    # WHEN / THEN nothing is judged: KMS answers NotFoundException, as on AWS
    assert authorisations(call, ENCRYPTED) == []
