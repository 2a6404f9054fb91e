"""IAM enforced in the local cloud's gateway, as AWS enforces it: an assumed-role session is
judged by its role's policies and the resource's, refused with the service's AccessDenied shape
and AWS's message; the account root (a user's test/test) and the local cloud's own calls are
not judged; a Lambda function acts as its execution role; report mode allows but journals.

Each test's fixtures are built with boto3 in an instance of the module's own, started with
LOCAL_CLOUD_IAM=enforce (report mode in one more instance), so the suite's instance and its
mode are left alone."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.local_cloud import cloud, free_port, instance_folder, wait_until, zip_sources

ACCOUNT = "000000000000"
REGION = "us-east-1"
# Lambda and Step Functions may assume the test roles (each refuses a role it may not assume).
TRUST_SERVICES_AND_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "Service": ["lambda.amazonaws.com", "states.amazonaws.com"],
                "AWS": f"arn:aws:iam::{ACCOUNT}:root",
            },
            "Action": "sts:AssumeRole",
        }
    ],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@dataclass
class Cloud:
    """An instance of the test module's own: its port and folder, and boto3 clients for it."""

    port: int

    @property
    def folder(self) -> Path:
        return instance_folder(self.port)

    def client(self, service: str, credentials: dict[str, str] | None = None):
        keys = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.port}",
            region_name=REGION,
            config=Config(retries={"max_attempts": 1}),
            **keys,
        )

    def journal(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def role(self, name: str, inline: dict[str, Any] | None = None, managed: str = "") -> str:
        iam = self.client("iam")
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_SERVICES_AND_ACCOUNT)
        )["Role"]["Arn"]
        if inline:
            iam.put_role_policy(
                RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline)
            )
        if managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=managed)
        return arn

    def session(self, role_arn: str, name: str = "tester") -> dict[str, str]:
        found = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)
        keys = found["Credentials"]
        return {
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
            "aws_session_token": keys["SessionToken"],
        }


def _start(mode: str) -> Iterator[Cloud]:
    port = free_port()
    result = cloud("up", port, LOCAL_CLOUD_IAM=mode)
    try:
        assert result.returncode == 0, result.stderr
        yield Cloud(port)
    finally:
        cloud("down", port)
        shutil.rmtree(instance_folder(port), ignore_errors=True)


@pytest.fixture(scope="module")
def enforcing() -> Iterator[Cloud]:
    yield from _start("enforce")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def allow(*statements: tuple[str | list[str], str | list[str]]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in statements],
    }


def session_arn(role: str, session: str = "tester") -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


# --- identity policies ----------------------------------------------------------------------


def test_a_session_may_do_what_its_role_allows_and_is_refused_the_rest(enforcing: Cloud) -> None:
    sqs = enforcing.client("sqs")
    allowed_url = sqs.create_queue(QueueName=unique("allowed"))["QueueUrl"]
    other_name = unique("other")
    other_url = sqs.create_queue(QueueName=other_name)["QueueUrl"]
    role = unique("sender")
    allowed_arn = queue_arn(allowed_url.rsplit("/", 1)[1])
    role_arn = enforcing.role(role, allow(("sqs:SendMessage", allowed_arn)))
    as_role = enforcing.client("sqs", enforcing.session(role_arn))

    as_role.send_message(QueueUrl=allowed_url, MessageBody="hello")
    answer = refused(lambda: as_role.send_message(QueueUrl=other_url, MessageBody="hello"))

    assert answer["Error"]["Code"] == "AccessDenied"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: sqs:SendMessage on resource: "
        f"{queue_arn(other_name)} because no identity-based policy allows the sqs:SendMessage "
        "action"
    )
    role_in_journal = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    used = enforcing.journal("iam-used.jsonl")
    assert {"role": role_in_journal, "action": "sqs:SendMessage"} in used
    denial = next(d for d in enforcing.journal("iam-denials.jsonl") if d["role"] == role_in_journal)
    assert denial["principal"] == session_arn(role)
    assert denial["action"] == "sqs:SendMessage"
    assert denial["resource"] == queue_arn(other_name)
    assert denial["origin"] == "sqs:SendMessage" and denial["enforced"] is True


def test_an_explicit_deny_wins_over_an_allow(enforcing: Cloud) -> None:
    bucket = unique("statements")
    enforcing.client("s3").create_bucket(Bucket=bucket)
    role = unique("writer")
    policy = allow(("s3:*", f"arn:aws:s3:::{bucket}/*"))
    policy["Statement"].append(
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/locked/*"}
    )
    s3 = enforcing.client("s3", enforcing.session(enforcing.role(role, policy)))

    s3.put_object(Bucket=bucket, Key="open/a.txt", Body=b"a")
    answer = refused(lambda: s3.put_object(Bucket=bucket, Key="locked/a.txt", Body=b"a"))

    assert answer["Error"]["Code"] == "AccessDenied"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: s3:PutObject on resource: "
        f"arn:aws:s3:::{bucket}/locked/a.txt with an explicit deny in an identity-based policy"
    )


def test_an_aws_managed_policy_grants_what_its_document_says(enforcing: Cloud) -> None:
    role = unique("logger")
    managed = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
    sqs = enforcing.client("sqs", enforcing.session(enforcing.role(role, managed=managed)))
    url = enforcing.client("sqs").create_queue(QueueName=unique("read"))["QueueUrl"]

    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    answer = refused(lambda: sqs.send_message(QueueUrl=url, MessageBody="x"))
    assert answer["Error"]["Code"] == "AccessDenied"


def test_a_customer_managed_policy_grants_in_its_default_version(enforcing: Cloud) -> None:
    iam = enforcing.client("iam")
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{unique('ledger')}"
    policy_arn = iam.create_policy(
        PolicyName=unique("ledger-reader"),
        PolicyDocument=json.dumps(allow(("dynamodb:GetItem", table))),
    )["Policy"]["Arn"]
    role = unique("managed")
    dynamodb = enforcing.client(
        "dynamodb", enforcing.session(enforcing.role(role, managed=policy_arn))
    )
    name = table.rsplit("/", 1)[1]
    key = {"id": {"S": "1"}}

    answer = refused(lambda: dynamodb.delete_item(TableName=name, Key=key))
    assert answer["Error"]["Message"].endswith("allows the dynamodb:DeleteItem action")
    # Allowed by IAM, the call reaches DynamoDB, which has no such table.
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.get_item(TableName=name, Key=key)


def test_an_iam_users_key_is_judged_by_its_own_and_its_groups_policies(enforcing: Cloud) -> None:
    iam = enforcing.client("iam")
    sqs_root = enforcing.client("sqs")
    own_name, group_name = unique("own"), unique("group")
    own_url = sqs_root.create_queue(QueueName=own_name)["QueueUrl"]
    group_url = sqs_root.create_queue(QueueName=group_name)["QueueUrl"]
    other_url = sqs_root.create_queue(QueueName=unique("other"))["QueueUrl"]
    user, group = unique("ada"), unique("operators")
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="own",
        PolicyDocument=json.dumps(allow(("sqs:SendMessage", queue_arn(own_name)))),
    )
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_group_policy(
        GroupName=group,
        PolicyName="group",
        PolicyDocument=json.dumps(allow(("sqs:SendMessage", queue_arn(group_name)))),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sqs = enforcing.client(
        "sqs",
        {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]},
    )

    sqs.send_message(QueueUrl=own_url, MessageBody="mine")
    sqs.send_message(QueueUrl=group_url, MessageBody="my group's")
    answer = refused(lambda: sqs.send_message(QueueUrl=other_url, MessageBody="not mine"))
    assert answer["Error"]["Message"].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: sqs:SendMessage"
    )


# --- resource policies ----------------------------------------------------------------------


def test_a_topic_policy_lets_a_role_with_no_policy_of_its_own_publish(enforcing: Cloud) -> None:
    sns = enforcing.client("sns")
    role = unique("publisher")
    role_arn = enforcing.role(role)
    open_topic = sns.create_topic(Name=unique("open"))["TopicArn"]
    closed_topic = sns.create_topic(Name=unique("closed"))["TopicArn"]
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": role_arn},
        "Action": "sns:Publish",
        "Resource": open_topic,
    }
    sns.set_topic_attributes(
        TopicArn=open_topic,
        AttributeName="Policy",
        AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    as_role = enforcing.client("sns", enforcing.session(role_arn))

    as_role.publish(TopicArn=open_topic, Message="hello")
    answer = refused(lambda: as_role.publish(TopicArn=closed_topic, Message="hello"))

    assert answer["Error"]["Code"] == "AuthorizationError"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: sns:Publish on resource: "
        f"{closed_topic} because no identity-based policy allows the sns:Publish action"
    )


def test_a_bucket_policy_deny_refuses_a_role_its_own_policy_allows(enforcing: Cloud) -> None:
    bucket = unique("guarded")
    root_s3 = enforcing.client("s3")
    root_s3.create_bucket(Bucket=bucket)
    root_s3.put_object(Bucket=bucket, Key="report.csv", Body=b"x")
    role = unique("reader")
    role_arn = enforcing.role(role, allow(("s3:GetObject", f"arn:aws:s3:::{bucket}/*")))
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": role_arn},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/report.csv",
    }
    root_s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    s3 = enforcing.client("s3", enforcing.session(role_arn))

    answer = refused(lambda: s3.get_object(Bucket=bucket, Key="report.csv"))
    assert answer["Error"]["Code"] == "AccessDenied"
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/report.csv with an explicit deny in a resource-based policy"
    )
    # A presigned URL is the session's request too.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "report.csv"})
    with pytest.raises(urllib.error.HTTPError) as presigned:
        urllib.request.urlopen(url, timeout=30)  # noqa: S310 (the local cloud, over http)
    assert presigned.value.code == 403
    assert b"<Code>AccessDenied</Code>" in presigned.value.read()
    # The account root (test/test) is allowed everything.
    assert root_s3.get_object(Bucket=bucket, Key="report.csv")["Body"].read() == b"x"


def test_a_queue_policy_deny_refuses_a_role_its_own_policy_allows(enforcing: Cloud) -> None:
    name = unique("guarded-queue")
    sqs_root = enforcing.client("sqs")
    url = sqs_root.create_queue(QueueName=name)["QueueUrl"]
    role = unique("consumer")
    role_arn = enforcing.role(role, allow(("sqs:*", queue_arn(name))))
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": role_arn},
        "Action": "sqs:PurgeQueue",
        "Resource": queue_arn(name),
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    sqs_root.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    sqs = enforcing.client("sqs", enforcing.session(role_arn))

    sqs.send_message(QueueUrl=url, MessageBody="allowed")
    answer = refused(lambda: sqs.purge_queue(QueueUrl=url))
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: sqs:PurgeQueue on resource: "
        f"{queue_arn(name)} with an explicit deny in a resource-based policy"
    )


def test_a_function_policy_lets_a_role_with_no_policy_of_its_own_invoke(
    enforcing: Cloud,
) -> None:
    lam = enforcing.client("lambda")
    name = unique("open-function")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=enforcing.role(unique("open-function-role"), managed=BASIC_EXECUTION),
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": "def handler(event, context):\n    return 7\n"})},
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    caller_role, stranger_role = unique("caller"), unique("stranger")
    caller_arn = enforcing.role(caller_role)
    lam.add_permission(
        FunctionName=name,
        StatementId="caller",
        Action="lambda:InvokeFunction",
        Principal=caller_arn,
    )
    as_caller = enforcing.client("lambda", enforcing.session(caller_arn))
    as_stranger = enforcing.client("lambda", enforcing.session(enforcing.role(stranger_role)))

    assert as_caller.invoke(FunctionName=name)["Payload"].read() == b"7"
    answer = refused(lambda: as_stranger.invoke(FunctionName=name))
    assert answer["Error"]["Code"] == "AccessDeniedException"
    assert session_arn(stranger_role) in answer["Error"]["Message"]


def test_a_key_policy_deny_refuses_sending_to_a_queue_encrypted_with_the_key(
    enforcing: Cloud,
) -> None:
    role = unique("producer")
    role_arn = enforcing.role(role, allow((["sqs:SendMessage", "kms:*"], "*")))
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": role_arn},
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
            },
        ],
    }
    key = enforcing.client("kms").create_key(Policy=json.dumps(key_policy))["KeyMetadata"]
    url = enforcing.client("sqs").create_queue(
        QueueName=unique("encrypted"), Attributes={"KmsMasterKeyId": key["KeyId"]}
    )["QueueUrl"]
    sqs = enforcing.client("sqs", enforcing.session(role_arn))

    answer = refused(lambda: sqs.send_message(QueueUrl=url, MessageBody="x"))

    assert answer["Error"]["Code"] == "KMS.AccessDeniedException"
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: kms:GenerateDataKey on "
        f"resource: {key['Arn']} with an explicit deny in a resource-based policy"
    )


def test_a_secret_policy_lets_a_role_read_the_secret_by_name(enforcing: Cloud) -> None:
    secrets = enforcing.client("secretsmanager")
    reader_role = unique("secret-reader")
    reader_arn = enforcing.role(reader_role)
    name = unique("bureau-key")
    arn = secrets.create_secret(Name=name, SecretString="s3cr3t")["ARN"]
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": reader_arn},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    secrets.put_resource_policy(
        SecretId=arn, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    other_role = unique("other-reader")
    as_reader = enforcing.client("secretsmanager", enforcing.session(reader_arn))
    as_other = enforcing.client("secretsmanager", enforcing.session(enforcing.role(other_role)))

    assert as_reader.get_secret_value(SecretId=name)["SecretString"] == "s3cr3t"
    answer = refused(lambda: as_other.get_secret_value(SecretId=name))
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(other_role)} is not authorized to perform: "
        f"secretsmanager:GetSecretValue on resource: {arn} because no identity-based policy "
        "allows the secretsmanager:GetSecretValue action"
    )


# --- Lambda functions act as their execution role -------------------------------------------

SENDER = """
import os

import boto3
from botocore.exceptions import ClientError


def handler(event, context):
    sqs = boto3.client("sqs")
    try:
        sqs.send_message(QueueUrl=event["queue_url"], MessageBody="from the function")
    except ClientError as error:
        found = error.response["Error"]
        return {"code": found["Code"], "message": found["Message"]}
    return {"code": "", "message": "sent"}
"""


def test_a_function_acts_as_its_execution_role(enforcing: Cloud) -> None:
    name = unique("sender")
    role = unique("function-role")
    role_arn = enforcing.role(role, managed=BASIC_EXECUTION)
    queue_name = unique("target")
    url = enforcing.client("sqs").create_queue(QueueName=queue_name)["QueueUrl"]
    lam = enforcing.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": SENDER})},
        Timeout=30,
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )

    answer = json.loads(
        lam.invoke(FunctionName=name, Payload=json.dumps({"queue_url": url}))["Payload"].read()
    )

    assert answer == {
        "code": "AccessDenied",
        "message": (
            f"User: {session_arn(role, name)} is not authorized to perform: sqs:SendMessage on "
            f"resource: {queue_arn(queue_name)} because no identity-based policy allows the "
            "sqs:SendMessage action"
        ),
    }


def test_a_state_machine_task_acts_as_the_state_machines_role(enforcing: Cloud) -> None:
    """Step Functions invokes with the role's credentials (an internal call made
    with_assumed_role): a role that may not invoke the function fails the execution."""
    lam = enforcing.client("lambda")
    function = unique("step")
    function_arn = lam.create_function(
        FunctionName=function,
        Runtime="python3.13",
        Role=enforcing.role(unique("step-role"), managed=BASIC_EXECUTION),
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": "def handler(event, context):\n    return 1\n"})},
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(
        FunctionName=function, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    machine_role = unique("machine")
    sfn = enforcing.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=unique("machine"),
        definition=json.dumps(
            {
                "StartAt": "Call",
                "States": {"Call": {"Type": "Task", "Resource": function_arn, "End": True}},
            }
        ),
        roleArn=enforcing.role(machine_role),
    )["stateMachineArn"]

    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]

    status = wait_until(
        lambda: (
            sfn.describe_execution(executionArn=execution)["status"] != "RUNNING"
            and sfn.describe_execution(executionArn=execution)["status"]
        ),
        timeout=60,
        what="the execution to end",
    )
    assert status == "FAILED"
    denials = enforcing.journal("iam-denials.jsonl")
    assert any(
        d["role"] == f"arn:aws:iam::{ACCOUNT}:role/{machine_role}"
        and d["action"] == "lambda:InvokeFunction"
        and d["resource"] == function_arn
        for d in denials
    ), denials


def test_a_misspelt_mode_stops_the_start() -> None:
    port = free_port()
    try:
        result = cloud("up", port, LOCAL_CLOUD_IAM="enforcing")
        assert result.returncode != 0
        log = (instance_folder(port) / "localstack.log").read_text()
        assert "LOCAL_CLOUD_IAM='enforcing': expected one of enforce, report, off" in log
    finally:
        cloud("down", port)
        shutil.rmtree(instance_folder(port), ignore_errors=True)


# --- calls no mapping knows -------------------------------------------------------------------


def test_an_unmapped_call_is_allowed_and_journalled_as_unmapped(enforcing: Cloud) -> None:
    role = unique("tagger")
    url = enforcing.client("sqs").create_queue(QueueName=unique("tagged"))["QueueUrl"]
    sqs = enforcing.client("sqs", enforcing.session(enforcing.role(role)))

    sqs.list_queue_tags(QueueUrl=url)

    gaps = enforcing.journal("iam-unmapped.jsonl")
    assert {
        "role": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "operation": "sqs:ListQueueTags",
        "origin": "sqs:ListQueueTags",
    } in gaps


# --- report mode -------------------------------------------------------------------------------


@pytest.fixture
def reporting() -> Iterator[Cloud]:
    yield from _start("report")


def test_report_mode_allows_but_journals_the_denial(reporting: Cloud) -> None:
    url = reporting.client("sqs").create_queue(QueueName=unique("reported"))["QueueUrl"]
    role = unique("unprivileged")
    sqs = reporting.client("sqs", reporting.session(reporting.role(role)))

    sqs.send_message(QueueUrl=url, MessageBody="allowed, but noted")

    denials = wait_until(
        lambda: reporting.journal("iam-denials.jsonl"), timeout=10, what="the denial"
    )
    assert [(d["principal"], d["action"], d["enforced"]) for d in denials] == [
        (session_arn(role), "sqs:SendMessage", False)
    ]


# --- each service's refusal shape ---------------------------------------------------------------

ARN_PREFIX = f"{REGION}:{ACCOUNT}"
REFUSALS = [
    # (service, call, IAM action, resource, AWS's error code, HTTP status)
    (
        "dynamodb",
        lambda c: c.get_item(TableName="ledger", Key={"id": {"S": "1"}}),
        "dynamodb:GetItem",
        f"arn:aws:dynamodb:{ARN_PREFIX}:table/ledger",
        "AccessDeniedException",
        400,
    ),
    (
        "lambda",
        lambda c: c.invoke(FunctionName="payroll"),
        "lambda:InvokeFunction",
        f"arn:aws:lambda:{ARN_PREFIX}:function:payroll",
        "AccessDeniedException",
        403,
    ),
    (
        "stepfunctions",
        lambda c: c.start_execution(stateMachineArn=f"arn:aws:states:{ARN_PREFIX}:stateMachine:m"),
        "states:StartExecution",
        f"arn:aws:states:{ARN_PREFIX}:stateMachine:m",
        "AccessDeniedException",
        400,
    ),
    (
        "logs",
        lambda c: c.create_log_group(logGroupName="/app"),
        "logs:CreateLogGroup",
        f"arn:aws:logs:{ARN_PREFIX}:log-group:/app",
        "AccessDeniedException",
        400,
    ),
    (
        "kinesis",
        lambda c: c.put_record(StreamName="events", Data=b"x", PartitionKey="k"),
        "kinesis:PutRecord",
        f"arn:aws:kinesis:{ARN_PREFIX}:stream/events",
        "AccessDeniedException",
        400,
    ),
    (
        "events",
        lambda c: c.put_events(Entries=[{"Source": "app", "DetailType": "d", "Detail": "{}"}]),
        "events:PutEvents",
        f"arn:aws:events:{ARN_PREFIX}:event-bus/default",
        "AccessDeniedException",
        400,
    ),
    (
        "secretsmanager",
        lambda c: c.get_secret_value(
            SecretId=f"arn:aws:secretsmanager:{ARN_PREFIX}:secret:s-AbCdEf"
        ),
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:{ARN_PREFIX}:secret:s-AbCdEf",
        "AccessDeniedException",
        400,
    ),
    (
        "ses",
        lambda c: c.send_email(
            Source="payroll@example.com",
            Destination={"ToAddresses": ["ada@example.com"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        ),
        "ses:SendEmail",
        f"arn:aws:ses:{ARN_PREFIX}:identity/payroll@example.com",
        "AccessDenied",
        403,
    ),
    (
        "sts",
        lambda c: c.assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/elsewhere", RoleSessionName="hop"
        ),
        "sts:AssumeRole",
        f"arn:aws:iam::{ACCOUNT}:role/elsewhere",
        "AccessDenied",
        403,
    ),
    (
        "cloudwatch",
        lambda c: c.put_metric_data(Namespace="App", MetricData=[{"MetricName": "m", "Value": 1}]),
        "cloudwatch:PutMetricData",
        "",
        "AccessDenied",
        403,
    ),
]


@pytest.fixture(scope="module")
def unprivileged(enforcing: Cloud) -> tuple[str, dict[str, str]]:
    role = unique("nobody")
    return role, enforcing.session(enforcing.role(role))


@pytest.mark.parametrize(
    ("service", "call", "action", "resource", "code", "status"),
    REFUSALS,
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_each_service_refuses_in_its_own_shape(
    enforcing: Cloud,
    unprivileged: tuple[str, dict[str, str]],
    service: str,
    call: Callable[[Any], Any],
    action: str,
    resource: str,
    code: str,
    status: int,
) -> None:
    role, credentials = unprivileged
    answer = refused(lambda: call(enforcing.client(service, credentials)))

    target = f" on resource: {resource}" if resource else ""
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert answer["Error"]["Message"] == (
        f"User: {session_arn(role)} is not authorized to perform: {action}{target} because no "
        f"identity-based policy allows the {action} action"
    )


def test_a_task_token_is_answered_under_a_grant_on_its_state_machine(enforcing: Cloud) -> None:
    """AWS authorises SendTaskSuccess/Failure/Heartbeat on the state machine of the token's
    execution: a grant on that machine's ARN lets a role answer, one on another machine not."""
    sqs, sfn = enforcing.client("sqs"), enforcing.client("stepfunctions")
    queue_url = sqs.create_queue(QueueName=unique("tokens"))["QueueUrl"]
    queue = queue_arn(queue_url.rsplit("/", 1)[1])
    name = unique("waits")
    machine = sfn.create_state_machine(
        name=name,
        definition=json.dumps(
            {
                "StartAt": "Wait",
                "States": {
                    "Wait": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$$.Task.Token"},
                        "End": True,
                    }
                },
            }
        ),
        roleArn=enforcing.role(unique("waits-role"), allow(("sqs:SendMessage", queue))),
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"),
        timeout=60,
        what="the task token",
    )[0]["Body"]
    other_machine = machine.replace(name, "another")
    elsewhere = enforcing.client(
        "stepfunctions",
        enforcing.session(enforcing.role(unique("other"), allow(("states:*", other_machine)))),
    )
    answerer = enforcing.client(
        "stepfunctions",
        enforcing.session(enforcing.role(unique("answers"), allow(("states:*", machine)))),
    )

    # WHEN a role granted another machine answers, then one granted this machine
    wrong = refused(lambda: elsewhere.send_task_success(taskToken=token, output="{}"))
    answerer.send_task_success(taskToken=token, output='{"ok": true}')

    # THEN the first is refused on this machine, as AWS words it; the second ends the execution
    assert wrong["Error"]["Code"] == "AccessDeniedException"
    assert f"states:SendTaskSuccess on resource: {machine}" in wrong["Error"]["Message"]
    status = wait_until(
        lambda: (s := sfn.describe_execution(executionArn=execution)["status"]) != "RUNNING" and s,
        timeout=60,
        what="the execution to end",
    )
    assert status == "SUCCEEDED"
    # AND a token no task issued is the service's to refuse (InvalidToken), not IAM's
    unknown = refused(lambda: elsewhere.send_task_failure(taskToken="not-a-token"))
    assert unknown["Error"]["Code"] == "InvalidToken"
