"""Services act as their AWS principals, as on AWS: a role must trust the service that assumes
it, a Step Functions task acts as the state machine's role, an event source mapping polls as the
function's role, and API Gateway, SNS, S3, EventBridge and CloudWatch alarms deliver as
themselves under the target's resource policy. Each allowed and refused, refused with AWS's
answer.

The fixtures are built with boto3, as the account's root, in an instance of the module's own
started with LOCAL_CLOUD_IAM=enforce (test_iam_enforcement's `_start`); a refused delivery shows
in the instance's IAM journal, the only trace AWS leaves of it besides a metric."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from local_cloud.test_iam_enforcement import (
    ACCOUNT,
    REGION,
    Cloud,
    _start,
    allow,
    queue_arn,
    refused,
    unique,
)

from devkit.local_cloud import wait_until, zip_sources
from localcloud.iam.integrations import SYNC_EXECUTION_RULE

ECHO = """
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""
HTTP_TIMEOUT = 60
QUEUE_POLLING = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


@pytest.fixture(scope="module")
def enforcing() -> Iterator[Cloud]:
    yield from _start("enforce")


def trusting(*services: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": list(services)},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def role(
    cloud: Cloud, trust: dict[str, Any], policy: dict[str, Any] | None = None, managed: str = ""
) -> str:
    iam = cloud.client("iam")
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    if managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    return arn


def function(cloud: Cloud, role_arn: str, source: str = ECHO) -> str:
    lam = cloud.client("lambda")
    arn = lam.create_function(
        FunctionName=unique("fn"),
        Runtime="python3.13",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": zip_sources({"app.py": source})},
        Timeout=30,
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(
        FunctionName=arn, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )
    return arn


def policy_allowing(service: str, action: str, resource: str, source: str | list[str]) -> str:
    """A resource policy letting a service principal act from one source."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": action,
                    "Resource": resource,
                    "Condition": {"ArnEquals": {"aws:SourceArn": source}},
                }
            ],
        }
    )


def denials(cloud: Cloud, principal: str, resource: str) -> list[dict[str, Any]]:
    if not (cloud.folder / "iam-denials.jsonl").exists():
        return []
    return [
        d
        for d in cloud.journal("iam-denials.jsonl")
        if d["principal"] == principal and d["resource"] == resource
    ]


def received(cloud: Cloud, url: str) -> list[str]:
    answer = cloud.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1)
    return [message["Body"] for message in answer.get("Messages", [])]


def receive_all(cloud: Cloud, url: str, count: int) -> list[str]:
    """The bodies of the next `count` messages of the queue, however they come in."""
    bodies: list[str] = []

    def enough() -> bool:
        bodies.extend(received(cloud, url))
        return len(bodies) >= count

    wait_until(enough, 30, what=f"{count} messages in {url}")
    return bodies


# --- roles a service assumes --------------------------------------------------------------------


def test_a_function_needs_a_role_that_exists_and_trusts_lambda(enforcing: Cloud) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:role/{unique('missing')}"
    for role_arn in (missing, role(enforcing, trusting("states.amazonaws.com"))):
        answer = refused(lambda role_arn=role_arn: function(enforcing, role_arn))
        assert answer["Error"]["Code"] == "InvalidParameterValueException"
        assert answer["Error"]["Message"] == (
            "The role defined for the function cannot be assumed by Lambda."
        )

    assert function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))


def test_a_function_may_change_only_to_a_role_that_trusts_lambda(enforcing: Cloud) -> None:
    lam = enforcing.client("lambda")
    target = function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))
    untrusted = role(enforcing, trusting("states.amazonaws.com"))

    answer = refused(lambda: lam.update_function_configuration(FunctionName=target, Role=untrusted))

    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"] == (
        "The role defined for the function cannot be assumed by Lambda."
    )
    trusted = role(enforcing, trusting("lambda.amazonaws.com"))
    assert lam.update_function_configuration(FunctionName=target, Role=trusted)["Role"] == trusted


PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def create_machine(cloud: Cloud, role_arn: str, definition: dict[str, Any] = PASS) -> str:
    return cloud.client("stepfunctions").create_state_machine(
        name=unique("machine"), roleArn=role_arn, definition=json.dumps(definition)
    )["stateMachineArn"]


def test_a_state_machine_needs_a_role_that_exists_and_trusts_step_functions(
    enforcing: Cloud,
) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:role/{unique('missing')}"
    for role_arn in (missing, role(enforcing, trusting("lambda.amazonaws.com"))):
        answer = refused(lambda role_arn=role_arn: create_machine(enforcing, role_arn))
        assert answer["Error"]["Code"] == "AccessDeniedException"
        assert answer["Error"]["Message"] == (
            "Neither the global service principal states.amazonaws.com, nor the regional one is "
            "authorized to assume the provided role."
        )

    assert create_machine(enforcing, role(enforcing, trusting("states.amazonaws.com")))


def test_a_sync_execution_task_needs_the_managed_rule(enforcing: Cloud) -> None:
    child = create_machine(enforcing, role(enforcing, trusting("states.amazonaws.com")))
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child},
        "End": True,
    }
    parent = {"StartAt": "Child", "States": {"Child": task}}
    start = allow(("states:StartExecution", child))
    without_rule = role(enforcing, trusting("states.amazonaws.com"), start)

    answer = refused(lambda: create_machine(enforcing, without_rule, parent))

    assert answer["Error"]["Code"] == "AccessDeniedException"
    assert answer["Error"]["Message"] == (
        f"'{without_rule}' is not authorized to create managed-rule."
    )
    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{SYNC_EXECUTION_RULE}"
    start["Statement"].append(
        {
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": rule,
        }
    )
    assert create_machine(
        enforcing, role(enforcing, trusting("states.amazonaws.com"), start), parent
    )


# --- a Step Functions task acts as the state machine's role ------------------------------------


def run(cloud: Cloud, machine: str) -> dict[str, Any]:
    sfn = cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]

    def finished():
        described = sfn.describe_execution(executionArn=execution)
        return described if described["status"] != "RUNNING" else None

    return wait_until(finished, 60, what=f"execution {execution}")


def test_a_lambda_task_invokes_as_the_state_machines_role(enforcing: Cloud) -> None:
    target = function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": target},
        "OutputPath": "$.Payload",
        "End": True,
    }
    definition = {"StartAt": "Call", "States": {"Call": task}}
    states = trusting("states.amazonaws.com")
    may_invoke = role(enforcing, states, allow(("lambda:InvokeFunction", target)))
    may_not = role(enforcing, states)

    assert (
        run(enforcing, create_machine(enforcing, may_invoke, definition))["status"] == "SUCCEEDED"
    )
    failed = run(enforcing, create_machine(enforcing, may_not, definition))

    assert failed["status"] == "FAILED"
    assert failed["error"] == "Lambda.AWSLambdaException"
    role_name = may_not.rsplit("/", 1)[1]
    assert failed["cause"].startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/")
    assert (
        f" is not authorized to perform: lambda:InvokeFunction on resource: {target} because no "
        "identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; "
        "Status Code: 403; Error Code: AccessDeniedException; Request ID: "
    ) in failed["cause"]
    assert failed["cause"].endswith("; Proxy: null)")


# --- an event source mapping polls as the function's role --------------------------------------


def test_a_queue_mapping_needs_the_functions_role_to_poll(enforcing: Cloud) -> None:
    name = unique("jobs")
    enforcing.client("sqs").create_queue(QueueName=name)
    lam = enforcing.client("lambda")
    lambda_trust = trusting("lambda.amazonaws.com")
    polls = function(enforcing, role(enforcing, lambda_trust, managed=QUEUE_POLLING))
    cannot = function(enforcing, role(enforcing, lambda_trust))

    answer = refused(
        lambda: lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=cannot)
    )
    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"] == (
        "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    )

    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=polls)
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_a_stream_mapping_needs_the_functions_role_to_read_the_stream(enforcing: Cloud) -> None:
    kinesis = enforcing.client("kinesis")
    name = unique("events")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    cannot = function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))

    answer = refused(
        lambda: enforcing.client("lambda").create_event_source_mapping(
            EventSourceArn=stream, FunctionName=cannot, StartingPosition="LATEST"
        )
    )

    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"] == (
        f"Cannot access stream {stream}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM."
    )


# --- API Gateway invokes a function under its resource policy ----------------------------------


def proxy_route(cloud: Cloud, function_arn: str) -> tuple[str, str]:
    """A REST API whose GET /hello invokes the function (AWS_PROXY); its URL and the method's
    execute-api ARN."""
    apigw = cloud.client("apigateway")
    api = apigw.create_rest_api(name=unique("api"))["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    hello = apigw.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    apigw.put_method(restApiId=api, resourceId=hello, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=hello,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations",
    )
    apigw.create_deployment(restApiId=api, stageName="test")
    url = f"http://127.0.0.1:{cloud.port}/_aws/execute-api/{api}/test/hello"
    return url, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*/GET/hello"


def get(url: str) -> tuple[int, bytes]:
    answer = requests.get(url, timeout=HTTP_TIMEOUT)
    return answer.status_code, answer.content


def test_api_gateway_invokes_a_function_only_with_its_permission(enforcing: Cloud) -> None:
    target = function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))
    url, method = proxy_route(enforcing, target)

    status, body = get(url)
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})

    enforcing.client("lambda").add_permission(
        FunctionName=target,
        StatementId="api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=method,
    )
    assert get(url) == (200, b"hello")


# --- SNS, EventBridge, S3 and CloudWatch deliver under the target's policy ---------------------


def queue(cloud: Cloud) -> tuple[str, str]:
    name = unique("inbox")
    return cloud.client("sqs").create_queue(QueueName=name)["QueueUrl"], queue_arn(name)


def let_send(cloud: Cloud, url: str, policy: str) -> None:
    cloud.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


def test_sns_delivers_only_to_a_queue_whose_policy_lets_the_topic_send(enforcing: Cloud) -> None:
    sns = enforcing.client("sns")
    topic = sns.create_topic(Name=unique("news"))["TopicArn"]
    open_url, open_arn = queue(enforcing)
    let_send(
        enforcing,
        open_url,
        policy_allowing("sns.amazonaws.com", "sqs:SendMessage", open_arn, topic),
    )
    closed_url, closed_arn = queue(enforcing)
    for arn in (open_arn, closed_arn):
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
        )

    sns.publish(TopicArn=topic, Message="news")

    assert wait_until(lambda: received(enforcing, open_url), 30) == ["news"]
    wait_until(lambda: denials(enforcing, "sns.amazonaws.com", closed_arn), 30)
    assert received(enforcing, closed_url) == []


def test_an_event_rule_delivers_to_a_queue_that_lets_this_rule_send(enforcing: Cloud) -> None:
    events = enforcing.client("events")
    pattern = json.dumps({"source": ["local.tests"]})
    allowed_rule = events.put_rule(Name=unique("allowed"), EventPattern=pattern)["RuleArn"]
    other_rule = events.put_rule(Name=unique("other"), EventPattern=pattern)["RuleArn"]
    url, arn = queue(enforcing)
    let_send(
        enforcing,
        url,
        policy_allowing("events.amazonaws.com", "sqs:SendMessage", arn, allowed_rule),
    )
    for rule in (allowed_rule, other_rule):
        events.put_targets(
            Rule=rule.rsplit("/", 1)[1],
            Targets=[{"Id": "inbox", "Arn": arn, "InputPath": "$.detail"}],
        )

    events.put_events(
        Entries=[{"Source": "local.tests", "DetailType": "t", "Detail": json.dumps({"n": 1})}]
    )

    assert [json.loads(body) for body in wait_until(lambda: received(enforcing, url), 30)] == [
        {"n": 1}
    ]
    denied = wait_until(lambda: denials(enforcing, "events.amazonaws.com", arn), 30)
    assert f"from {other_rule}" in denied[0]["origin"]
    assert received(enforcing, url) == []


def test_s3_notifies_only_a_queue_whose_policy_lets_the_bucket_send(enforcing: Cloud) -> None:
    s3 = enforcing.client("s3")
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    url, arn = queue(enforcing)
    configuration = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}

    answer = refused(
        lambda: s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=configuration
        )
    )
    assert answer["Error"]["Code"] == "InvalidArgument"
    assert answer["Error"]["Message"] == (
        "Unable to validate the following destination configurations"
    )

    let_send(
        enforcing,
        url,
        policy_allowing("s3.amazonaws.com", "sqs:SendMessage", arn, f"arn:aws:s3:::{bucket}"),
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)


def alarms_notifying(cloud: Cloud, topics: dict[str, str]) -> str:
    """An alarm per {name: topic} notifying its topic, each topic delivering to one inbox queue
    (whose policy lets the topics send); the inbox's URL."""
    sns, cloudwatch = cloud.client("sns"), cloud.client("cloudwatch")
    inbox_url, inbox_arn = queue(cloud)
    sources = list(topics.values())
    let_send(
        cloud,
        inbox_url,
        policy_allowing("sns.amazonaws.com", "sqs:SendMessage", inbox_arn, sources),
    )
    for name, topic in topics.items():
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=inbox_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="Local/Tests",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )
    return inbox_url


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def let_cloudwatch_publish(cloud: Cloud, topic: str, alarm: str | list[str]) -> None:
    cloud.client("sns").set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=policy_allowing("cloudwatch.amazonaws.com", "sns:Publish", topic, alarm),
    )


def alarm_goes_off(cloud: Cloud, *names: str) -> None:
    for name in names:
        cloud.client("cloudwatch").set_alarm_state(
            AlarmName=name, StateValue="ALARM", StateReason="test"
        )


def test_an_alarm_notifies_only_through_a_topic_that_lets_cloudwatch_publish(
    enforcing: Cloud,
) -> None:
    sns, cloudwatch = enforcing.client("sns"), enforcing.client("cloudwatch")
    # A topic's default policy lets its account's sources publish: an alarm among them.
    by_default, allowed, refused_alarm = unique("default"), unique("allowed"), unique("refused")
    topics = {
        name: sns.create_topic(Name=unique("ops"))["TopicArn"]
        for name in (by_default, allowed, refused_alarm)
    }
    inbox = alarms_notifying(enforcing, topics)
    let_cloudwatch_publish(enforcing, topics[allowed], alarm_arn(allowed))
    let_cloudwatch_publish(enforcing, topics[refused_alarm], alarm_arn(unique("other")))

    alarm_goes_off(enforcing, by_default, allowed, refused_alarm)

    notified = {json.loads(body)["AlarmName"] for body in receive_all(enforcing, inbox, 2)}
    assert notified == {by_default, allowed}
    wait_until(lambda: denials(enforcing, "cloudwatch.amazonaws.com", topics[refused_alarm]), 30)
    assert received(enforcing, inbox) == []
    described = cloudwatch.describe_alarms(AlarmNames=[refused_alarm])["MetricAlarms"][0]
    assert described["StateValue"] == "ALARM"


def key_letting(cloud: Cloud, *services: str) -> str:
    """A KMS key whose policy lets the account (its identity policies) and the services use it."""
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if services:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": list(services)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return cloud.client("kms").create_key(Policy=policy)["KeyMetadata"]["Arn"]


def test_an_alarm_notifies_through_an_encrypted_topic_only_if_the_key_lets_cloudwatch(
    enforcing: Cloud,
) -> None:
    sns = enforcing.client("sns")
    usable, unusable = unique("usable"), unique("unusable")
    keys = {
        usable: key_letting(enforcing, "cloudwatch.amazonaws.com"),
        unusable: key_letting(enforcing),
    }
    topics = {
        name: sns.create_topic(Name=unique("ops"), Attributes={"KmsMasterKeyId": key})["TopicArn"]
        for name, key in keys.items()
    }
    inbox = alarms_notifying(enforcing, topics)
    for name, topic in topics.items():
        let_cloudwatch_publish(enforcing, topic, alarm_arn(name))

    alarm_goes_off(enforcing, usable, unusable)

    messages = wait_until(lambda: received(enforcing, inbox), 30)
    assert [json.loads(m)["AlarmName"] for m in messages] == [usable]
    (denied, *_) = wait_until(
        lambda: denials(enforcing, "cloudwatch.amazonaws.com", keys[unusable]), 30
    )
    assert denied["action"].startswith("kms:")
    assert received(enforcing, inbox) == []


PRINTS = """
def handler(event, context):
    print("delivered:", event["Records"][0]["Sns"]["Message"])
"""
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# Lambda retries a failed asynchronous invocation after a minute: a wait past that retry.
ASYNC_RETRY_SECONDS = 150


def logged(cloud: Cloud, function_arn: str) -> str:
    group = f"/aws/lambda/{function_arn.rsplit(':', 1)[1]}"
    try:
        events = cloud.client("logs").filter_log_events(logGroupName=group)["events"]
    except ClientError:  # no log group yet: not invoked yet
        return ""
    return "".join(event["message"] for event in events)


def test_sns_invokes_a_function_only_with_its_permission(enforcing: Cloud) -> None:
    sns = enforcing.client("sns")
    topic = sns.create_topic(Name=unique("news"))["TopicArn"]
    runs = role(enforcing, trusting("lambda.amazonaws.com"), managed=BASIC_EXECUTION)
    permitted, unpermitted = function(enforcing, runs, PRINTS), function(enforcing, runs, PRINTS)
    enforcing.client("lambda").add_permission(
        FunctionName=permitted,
        StatementId="news",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )
    for arn in (permitted, unpermitted):
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)

    sns.publish(TopicArn=topic, Message="news")

    # A first attempt lost to a slow cold start (a loaded machine) is retried by Lambda's
    # asynchronous invocation a minute later, as on AWS: the wait covers that retry.
    delivered = wait_until(
        lambda: logged(enforcing, permitted), ASYNC_RETRY_SECONDS, what="the permitted delivery"
    )
    assert "delivered: news" in delivered
    (denied,) = wait_until(lambda: denials(enforcing, "sns.amazonaws.com", unpermitted), 30)
    assert denied["action"] == "lambda:InvokeFunction"
    assert denied["reason"] == (
        "because no resource-based policy allows the lambda:InvokeFunction action"
    )
    assert logged(enforcing, unpermitted) == ""


def test_an_event_target_with_a_role_delivers_as_that_role(enforcing: Cloud) -> None:
    events = enforcing.client("events")
    url, arn = queue(enforcing)
    trust = trusting("events.amazonaws.com")
    sender = role(enforcing, trust, allow(("sqs:SendMessage", arn)))
    not_sender = role(enforcing, trust)
    # Lets anyone send, but EventBridge may not assume it.
    untrusted = role(enforcing, trusting("lambda.amazonaws.com"), allow(("sqs:SendMessage", arn)))
    targets = ((sender, "local.sender"), (not_sender, "local.other"), (untrusted, "local.more"))
    for target_role, source in targets:
        rule = unique("with-role")
        events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
        target = {"Id": "inbox", "Arn": arn, "RoleArn": target_role, "InputPath": "$.source"}
        events.put_targets(Rule=rule, Targets=[target])

    events.put_events(
        Entries=[{"Source": source, "DetailType": "t", "Detail": "{}"} for _, source in targets]
    )

    assert [json.loads(m) for m in wait_until(lambda: received(enforcing, url), 30)] == [
        "local.sender"
    ]
    role_name = not_sender.rsplit("/", 1)[1]
    denied = wait_until(
        lambda: [
            d
            for d in enforcing.journal("iam-denials.jsonl")
            if d["role"] == not_sender and d["resource"] == arn
        ],
        30,
    )
    assert denied[0]["principal"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/")
    (not_assumed,) = wait_until(lambda: denials(enforcing, "events.amazonaws.com", untrusted), 30)
    assert not_assumed["action"] == "sts:AssumeRole"
    assert received(enforcing, url) == []


def test_s3_notifies_only_a_function_whose_permission_lets_the_bucket_invoke(
    enforcing: Cloud,
) -> None:
    s3 = enforcing.client("s3")
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    target = function(enforcing, role(enforcing, trusting("lambda.amazonaws.com")))
    configuration = {
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": target, "Events": ["s3:ObjectCreated:*"]}
        ]
    }

    def configure() -> None:
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=configuration
        )

    answer = refused(configure)
    assert answer["Error"]["Code"] == "InvalidArgument"
    assert answer["Error"]["Message"] == (
        "Unable to validate the following destination configurations"
    )

    enforcing.client("lambda").add_permission(
        FunctionName=target,
        StatementId="uploads",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=ACCOUNT,
    )
    configure()
