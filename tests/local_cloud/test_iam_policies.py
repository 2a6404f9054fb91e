"""Policies judged where AWS judges them beyond a service's own API:

- a principal's own KMS calls (Encrypt, Decrypt, ReEncrypt, DescribeKey, ...): on the key itself
  (an alias resolved to its key, Decrypt's key read from the ciphertext), under the key policy
  and the caller's identity policies, with the condition keys KMS sets (kms:CallerAccount,
  kms:EncryptionContext:*, kms:RequestAlias; kms:ViaService only when a service asks), so an
  AWS-managed key refuses a direct call;
- a REST API's resource policy, alone, before a Lambda authorizer, and with AWS_IAM methods;
- a CloudWatch alarm's Lambda action, under the function's policy for
  lambda.alarms.cloudwatch.amazonaws.com; a function's async destinations and dead-letter queue,
  sent as its execution role;
- a stream mapping whose function's role loses its permission while polling: nothing read,
  LastProcessingResult says the problem, reading resumes when the permission is back.

The fixtures are built with boto3, as the account's root, in an instance of the module's own
started with LOCAL_CLOUD_IAM=enforce (test_iam_enforcement's `_start`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from local_cloud.test_iam_enforcement import (
    ACCOUNT,
    REGION,
    Cloud,
    _start,
    allow,
    refused,
    session_arn,
    unique,
)
from local_cloud.test_iam_services import (
    BASIC_EXECUTION,
    alarm_arn,
    alarm_goes_off,
    denials,
    function,
    logged,
    queue,
    receive_all,
    received,
    role,
    trusting,
)

from devkit.local_cloud import wait_until, zip_sources


@pytest.fixture(scope="module")
def enforcing() -> Iterator[Cloud]:
    yield from _start("enforce")


def key_policy(*statements: dict[str, Any]) -> str:
    """A key policy letting the account's IAM policies grant its use (KMS's default), plus
    `statements`."""
    account = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [account, *statements]})


def refusal(role: str, action: str, key_arn: str, reason: str) -> str:
    return (
        f"User: {session_arn(role)} is not authorized to perform: {action} on resource: "
        f"{key_arn} because {reason}"
    )


def test_a_direct_key_call_needs_the_callers_policy_when_the_key_delegates_to_the_account(
    enforcing: Cloud,
) -> None:
    kms = enforcing.client("kms")
    key = kms.create_key(Policy=key_policy())["KeyMetadata"]
    alias = f"alias/{unique('data')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    user = unique("key-user")
    as_user = enforcing.client(
        "kms", enforcing.session(enforcing.role(user, allow(("kms:Encrypt", key["Arn"]))))
    )
    stranger = unique("stranger")
    as_stranger = enforcing.client("kms", enforcing.session(enforcing.role(stranger)))

    # Through its alias too: the identity policy names the key, which the alias resolves to.
    sealed = as_user.encrypt(KeyId=alias, Plaintext=b"salary")["CiphertextBlob"]
    answer = refused(lambda: as_stranger.encrypt(KeyId=key["KeyId"], Plaintext=b"salary"))
    # Decrypt names no key: it is judged on the one the ciphertext was made under.
    cannot_decrypt = refused(lambda: as_user.decrypt(CiphertextBlob=sealed))

    assert answer["Error"]["Code"] == "AccessDeniedException"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Message"] == refusal(
        stranger,
        "kms:Encrypt",
        key["Arn"],
        "no identity-based policy allows the kms:Encrypt action",
    )
    assert cannot_decrypt["Error"]["Message"] == refusal(
        user, "kms:Decrypt", key["Arn"], "no identity-based policy allows the kms:Decrypt action"
    )


def test_a_key_policy_that_does_not_delegate_to_the_account_refuses_the_callers_grant(
    enforcing: Cloud,
) -> None:
    owner = unique("key-owner")
    owner_arn = enforcing.role(owner)
    only_owner = {
        "Effect": "Allow",
        "Principal": {"AWS": owner_arn},
        "Action": ["kms:DescribeKey", "kms:GenerateDataKey"],
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [only_owner]})
    key = enforcing.client("kms").create_key(Policy=policy)["KeyMetadata"]
    other = unique("granted-by-iam")
    as_other = enforcing.client(
        "kms", enforcing.session(enforcing.role(other, allow(("kms:*", "*"))))
    )
    as_owner = enforcing.client("kms", enforcing.session(owner_arn))

    as_owner.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
    answer = refused(lambda: as_other.describe_key(KeyId=key["KeyId"]))

    assert answer["Error"]["Message"] == refusal(
        other,
        "kms:DescribeKey",
        key["Arn"],
        "no resource-based policy allows the kms:DescribeKey action",
    )


def test_an_encryption_context_condition_limits_a_grant_to_its_context(enforcing: Cloud) -> None:
    kms = enforcing.client("kms")
    key = kms.create_key(Policy=key_policy())["KeyMetadata"]
    role = unique("payroll-sealer")
    statement = {
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*"],
        "Resource": key["Arn"],
        "Condition": {"StringEquals": {"kms:EncryptionContext:workflow": "payroll"}},
    }
    inline = {"Version": "2012-10-17", "Statement": [statement]}
    as_role = enforcing.client("kms", enforcing.session(enforcing.role(role, inline)))
    payroll = {"workflow": "payroll"}

    sealed = as_role.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext=payroll)
    as_role.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext=payroll)
    as_role.re_encrypt(
        CiphertextBlob=sealed["CiphertextBlob"],
        SourceKeyId=key["KeyId"],  # LocalStack's ReEncrypt fails without it (AWS reads the blob)
        SourceEncryptionContext=payroll,
        DestinationKeyId=key["KeyId"],
        DestinationEncryptionContext=payroll,
    )
    answer = refused(
        lambda: as_role.encrypt(
            KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"workflow": "reports"}
        )
    )

    assert answer["Error"]["Message"] == refusal(
        role, "kms:Encrypt", key["Arn"], "no identity-based policy allows the kms:Encrypt action"
    )


def test_an_aws_managed_key_refuses_a_direct_call_but_serves_its_service(enforcing: Cloud) -> None:
    role = unique("queue-user")
    role_arn = enforcing.role(
        role, allow((["kms:*", "sqs:SendMessage", "sqs:ReceiveMessage"], "*"))
    )
    url = enforcing.client("sqs").create_queue(
        QueueName=unique("managed"), Attributes={"KmsMasterKeyId": "alias/aws/sqs"}
    )["QueueUrl"]
    key_arn = enforcing.client("kms").describe_key(KeyId="alias/aws/sqs")["KeyMetadata"]["Arn"]
    credentials = enforcing.session(role_arn)

    # Through SQS the key policy's kms:ViaService and kms:CallerAccount hold.
    enforcing.client("sqs", credentials).send_message(QueueUrl=url, MessageBody="hello")
    answer = refused(
        lambda: enforcing.client("kms", credentials).encrypt(KeyId="alias/aws/sqs", Plaintext=b"x")
    )

    assert answer["Error"]["Message"] == refusal(
        role, "kms:Encrypt", key_arn, "no resource-based policy allows the kms:Encrypt action"
    )


# --- a REST API's resource policy ---------------------------------------------------------------

HTTP_TIMEOUT = 60


def mock_api(cloud: Cloud, policy: dict[str, Any] | None, authorization: str = "NONE") -> str:
    """A deployed REST API whose GET /payslips answers 200 from a MOCK integration, with the
    resource `policy`; its URL."""
    apigw = cloud.client("apigateway")
    created = {"policy": json.dumps(policy)} if policy else {}
    api = apigw.create_rest_api(name=unique("api"), **created)["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    route = apigw.create_resource(restApiId=api, parentId=root, pathPart="payslips")["id"]
    where = {"restApiId": api, "resourceId": route, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType=authorization)
    apigw.put_integration(
        **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration_response(
        **where, statusCode="200", responseTemplates={"application/json": '{"ok": true}'}
    )
    apigw.create_deployment(restApiId=api, stageName="test")
    return f"http://127.0.0.1:{cloud.port}/_aws/execute-api/{api}/test/payslips"


def method_arn(url: str) -> str:
    api = url.split("/_aws/execute-api/", 1)[1].split("/", 1)[0]
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/test/GET/payslips"


def invoke_policy(effect: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    if condition:
        statement["Condition"] = condition
    return statement


def api_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def get(url: str, credentials: dict[str, str] | None = None) -> requests.Response:
    """GET, signed for execute-api with `credentials` when given (an AWS_IAM method's caller)."""
    headers: dict[str, str] = {}
    if credentials:
        signed = AWSRequest(method="GET", url=url)
        keys = Credentials(
            credentials["aws_access_key_id"],
            credentials["aws_secret_access_key"],
            credentials.get("aws_session_token"),
        )
        SigV4Auth(keys, "execute-api", REGION).add_auth(signed)
        headers = dict(signed.headers)
    return requests.get(url, headers=headers, timeout=HTTP_TIMEOUT)


def test_an_api_policy_lets_in_only_the_callers_it_allows(enforcing: Cloud) -> None:
    from_here = invoke_policy("Allow", {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})
    from_elsewhere = invoke_policy("Allow", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})
    open_here = mock_api(enforcing, api_policy(from_here))
    closed_here = mock_api(enforcing, api_policy(from_elsewhere))

    assert get(open_here).status_code == 200
    refused_answer = get(closed_here)

    assert refused_answer.status_code == 403
    assert refused_answer.json() == {
        "Message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        f"resource: {method_arn(closed_here)}"
    }


def test_an_api_policy_deny_wins_over_its_allow(enforcing: Cloud) -> None:
    no_private_endpoint = {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    url = mock_api(
        enforcing,
        api_policy(invoke_policy("Allow"), invoke_policy("Deny", no_private_endpoint)),
    )

    answer = get(url)

    assert answer.status_code == 403
    assert answer.json() == {
        "Message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        f"resource: {method_arn(url)} with an explicit deny"
    }


def test_an_iam_method_combines_the_callers_policy_and_the_apis(enforcing: Cloud) -> None:
    granted = unique("api-caller")
    granted_keys = enforcing.session(
        enforcing.role(granted, allow(("execute-api:Invoke", "arn:aws:execute-api:*:*:*")))
    )
    stranger = unique("api-stranger")
    stranger_keys = enforcing.session(enforcing.role(stranger))
    no_policy = mock_api(enforcing, None, authorization="AWS_IAM")
    # The API's policy alone lets the stranger's role in (same account: either policy suffices).
    lets_stranger = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{stranger}"},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    with_policy = mock_api(enforcing, api_policy(lets_stranger), authorization="AWS_IAM")

    unsigned = get(no_policy)
    assert get(no_policy, granted_keys).status_code == 200
    refused_answer = get(no_policy, stranger_keys)
    assert get(with_policy, stranger_keys).status_code == 200

    assert (unsigned.status_code, unsigned.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )
    assert refused_answer.status_code == 403
    assert refused_answer.json() == {
        "Message": f"User: {session_arn(stranger)} is not authorized to perform: "
        f"execute-api:Invoke on resource: {method_arn(no_policy)}"
    }


# --- a CloudWatch alarm invoking a function -----------------------------------------------------

ALARM_INVOKER = "lambda.alarms.cloudwatch.amazonaws.com"
PRINTS_ALARM = """
def handler(event, context):
    print("alarm:", event["alarmData"]["alarmName"])
"""


def alarm_invoking(cloud: Cloud, name: str, function_arn: str) -> None:
    cloud.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="Local/Tests",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[function_arn],
    )


def test_an_alarm_invokes_only_a_function_whose_policy_lets_cloudwatch_alarms(
    enforcing: Cloud,
) -> None:
    runs = role(enforcing, trusting("lambda.amazonaws.com"), managed=BASIC_EXECUTION)
    permitted, unpermitted = (function(enforcing, runs, PRINTS_ALARM) for _ in range(2))
    allowed_alarm, refused_alarm = unique("allowed"), unique("refused")
    enforcing.client("lambda").add_permission(
        FunctionName=permitted,
        StatementId="alarm",
        Action="lambda:InvokeFunction",
        Principal=ALARM_INVOKER,
        SourceArn=alarm_arn(allowed_alarm),
    )
    alarm_invoking(enforcing, allowed_alarm, permitted)
    alarm_invoking(enforcing, refused_alarm, unpermitted)

    alarm_goes_off(enforcing, allowed_alarm, refused_alarm)

    assert f"alarm: {allowed_alarm}" in wait_until(lambda: logged(enforcing, permitted), 60)
    (denied,) = wait_until(lambda: denials(enforcing, ALARM_INVOKER, unpermitted), 30)
    assert denied["action"] == "lambda:InvokeFunction"
    assert logged(enforcing, unpermitted) == ""
    described = enforcing.client("cloudwatch").describe_alarms(AlarmNames=[refused_alarm])
    assert described["MetricAlarms"][0]["StateValue"] == "ALARM"


# --- a function's own deliveries: async destinations and dead-letter queue ----------------------

FAILS = """
def handler(event, context):
    raise RuntimeError("payroll run failed")
"""


def failing_function(cloud: Cloud, may_send_to: str | None, dead_letters: str = "") -> str:
    """A function that fails, run by a role allowed sqs:SendMessage on `may_send_to` (or
    nothing), retried by Lambda never, with its `dead_letters` queue if given."""
    grant = allow(("sqs:SendMessage", may_send_to)) if may_send_to else None
    dead_letter_config = {"DeadLetterConfig": {"TargetArn": dead_letters}} if dead_letters else {}
    lam = cloud.client("lambda")
    arn = lam.create_function(
        FunctionName=unique("fn"),
        Runtime="python3.13",
        Role=role(cloud, trusting("lambda.amazonaws.com"), grant),
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": FAILS})},
        **dead_letter_config,
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(
        FunctionName=arn, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    lam.put_function_event_invoke_config(FunctionName=arn, MaximumRetryAttempts=0)
    return arn


def journalled_refusal(cloud: Cloud, function_arn: str, target: str) -> dict[str, Any]:
    """The denial of the function's execution role sending to `target`."""
    role_arn = cloud.client("lambda").get_function(FunctionName=function_arn)["Configuration"][
        "Role"
    ]

    def found() -> list[dict[str, Any]]:
        if not (cloud.folder / "iam-denials.jsonl").exists():
            return []
        return [
            d
            for d in cloud.journal("iam-denials.jsonl")
            if d["role"] == role_arn and d["resource"] == target
        ]

    return wait_until(found, 60, what=f"a refusal of {role_arn} on {target}")[0]


def test_a_failure_destination_is_sent_as_the_functions_role(enforcing: Cloud) -> None:
    lam = enforcing.client("lambda")
    url, destination = queue(enforcing)
    may, may_not = failing_function(enforcing, destination), failing_function(enforcing, None)
    for arn in (may, may_not):
        lam.put_function_event_invoke_config(
            FunctionName=arn,
            MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": destination}},
        )
        lam.invoke(FunctionName=arn, InvocationType="Event", Payload=b"{}")

    (record,) = (json.loads(body) for body in receive_all(enforcing, url, 1))
    assert record["requestContext"]["functionArn"].startswith(may)
    denied = journalled_refusal(enforcing, may_not, destination)
    assert denied["action"] == "sqs:SendMessage"
    assert received(enforcing, url) == []


def test_a_dead_letter_queue_is_sent_to_as_the_functions_role(enforcing: Cloud) -> None:
    lam = enforcing.client("lambda")
    url, dead_letters = queue(enforcing)
    # Both roles may send when the queue is configured (AWS checks it then); one loses it after.
    may, may_not = (failing_function(enforcing, dead_letters, dead_letters) for _ in range(2))
    revoked = lam.get_function(FunctionName=may_not)["Configuration"]["Role"].rsplit("/", 1)[1]
    enforcing.client("iam").delete_role_policy(RoleName=revoked, PolicyName="inline")

    for arn in (may, may_not):
        payload = json.dumps({"run": arn}).encode()
        lam.invoke(FunctionName=arn, InvocationType="Event", Payload=payload)

    (body,) = receive_all(enforcing, url, 1)
    assert json.loads(body) == {"run": may}
    denied = journalled_refusal(enforcing, may_not, dead_letters)
    assert denied["action"] == "sqs:SendMessage"
    assert received(enforcing, url) == []


# --- an event source mapping that loses its permission ------------------------------------------

STREAM_READING = "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"
PRINTS_RECORDS = """
import base64

def handler(event, context):
    for record in event["Records"]:
        print("read:", base64.b64decode(record["kinesis"]["data"]).decode())
"""


def test_a_stream_mapping_stops_reading_while_its_role_may_not_and_resumes(
    enforcing: Cloud,
) -> None:
    kinesis, lam, iam = (enforcing.client(s) for s in ("kinesis", "lambda", "iam"))
    name = unique("payslips")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    role_arn = role(enforcing, trusting("lambda.amazonaws.com"), managed=STREAM_READING)
    role_name = role_arn.rsplit("/", 1)[1]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=BASIC_EXECUTION)
    reader = function(enforcing, role_arn, PRINTS_RECORDS)
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName=reader, StartingPosition="TRIM_HORIZON", BatchSize=1
    )["UUID"]

    def last_result() -> str:
        return lam.get_event_source_mapping(UUID=mapping)["LastProcessingResult"]

    def has(text: str) -> str:
        return text if text in logged(enforcing, reader) else ""

    kinesis.put_record(StreamName=name, Data=b"before", PartitionKey="1")
    wait_until(lambda: has("read: before"), 120, 1, what="the record put before the revocation")
    iam.detach_role_policy(RoleName=role_name, PolicyArn=STREAM_READING)
    kinesis.put_record(StreamName=name, Data=b"while-refused", PartitionKey="1")

    problem = wait_until(lambda: last_result().startswith("PROBLEM: ") and last_result(), 120, 1)
    assert problem == (
        f"PROBLEM: Cannot access stream {stream}. Please ensure the role can perform the "
        "GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream "
        "in IAM."
    )
    assert not has("read: while-refused")
    iam.attach_role_policy(RoleName=role_name, PolicyArn=STREAM_READING)

    wait_until(lambda: has("read: while-refused"), 120, 1, what="the record put while refused")
    wait_until(lambda: last_result() == "OK", 60, 1, what="LastProcessingResult back to OK")
    lam.delete_event_source_mapping(UUID=mapping)
