"""The authorisations of what a service does by itself: a Step Functions task as the state
machine's role, an event source mapping polling as the function's role, what Lambda does as the
function's role (logs, traces, its dead-letter queue), and the deliveries a service makes as its
own principal under the target's resource policy (API Gateway, S3, SNS and EventBridge invoking
a function, SNS to SQS, EventBridge to its targets, a CloudWatch alarm publishing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from localcloud.iam import arns
from localcloud.iam.actions import (
    Authorisation,
    Call,
    Context,
    NoFacts,
    ResourceFacts,
    UnmappedOperation,
    authorisations,
    is_mapped,
    queue_key_use,
    stream_key_use,
    topic_key_use,
)
from localcloud.iam.arns import Place

# Step Functions' own names for services whose SDK name differs.
_TASK_SERVICES = {"states": "stepfunctions", "sfn": "stepfunctions"}
# Optimised integrations: "<service>:<action>" -> the API operation they call.
_OPTIMISED = {
    "lambda:invoke": ("lambda", "Invoke"),
    "dynamodb:getItem": ("dynamodb", "GetItem"),
    "dynamodb:putItem": ("dynamodb", "PutItem"),
    "dynamodb:updateItem": ("dynamodb", "UpdateItem"),
    "dynamodb:deleteItem": ("dynamodb", "DeleteItem"),
    "sns:publish": ("sns", "Publish"),
    "sqs:sendMessage": ("sqs", "SendMessage"),
    "states:startExecution": ("stepfunctions", "StartExecution"),
    "events:putEvents": ("events", "PutEvents"),
    "ecs:runTask": ("ecs", "RunTask"),
}
# APIs whose members are camelCase; Step Functions' Parameters name them in PascalCase.
_CAMEL_CASE_APIS = frozenset({"stepfunctions", "logs", "ecs"})
_PATTERNS = ("", ".sync", ".sync:2", ".waitForTaskToken")
# The managed rule through which `.sync` learns that a child execution ended.
SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
# The managed rule through which `.sync` learns that an ECS task stopped.
SYNC_ECS_TASK_RULE = "StepFunctionsGetEventsForECSTaskRule"


def _integration(resource: str) -> tuple[str, str, str]:
    """`arn:aws:states:::<service>:<action>[.<pattern>]` -> (SDK service, operation, pattern);
    `arn:aws:states:::aws-sdk:<service>:<action>` for any SDK call; a function's own ARN is
    the older way to invoke it."""
    if resource.startswith("arn:aws:lambda:") and ":function:" in resource:
        return "lambda", "Invoke", ""
    if not resource.startswith("arn:aws:states:::"):
        raise UnmappedOperation(f"not a Step Functions service integration: {resource}")
    path = resource.removeprefix("arn:aws:states:::")
    path, _, pattern = path.partition(".")
    pattern = f".{pattern}" if pattern else ""
    if pattern not in _PATTERNS:
        raise UnmappedOperation(f"no IAM mapping for the integration pattern of {resource}")
    if path.startswith("aws-sdk:"):
        service, action = path.removeprefix("aws-sdk:").split(":")
        return _TASK_SERVICES.get(service, service), action[0].upper() + action[1:], pattern
    if path not in _OPTIMISED:
        raise UnmappedOperation(f"no IAM mapping for the integration {resource}")
    return (*_OPTIMISED[path], pattern)


def is_mapped_task(resource: str) -> bool:
    """Whether the integration, and the API call it makes, are mapped."""
    try:
        service, operation, _ = _integration(resource)
    except UnmappedOperation:
        return False
    return is_mapped(service, operation)


def task_authorisations(
    resource: str,
    parameters: Mapping[str, Any],
    place: Place,
    facts: ResourceFacts | None = None,
) -> list[Authorisation]:
    """What the state machine's role needs to run a Task state, from its Resource and its
    evaluated Parameters (Arguments). `.waitForTaskToken` needs nothing more (the answer is
    the answerer's call); `.sync` on an execution also describes and stops it and keeps the
    managed rule that reports its end."""
    service, operation, pattern = _integration(resource)
    if not resource.startswith("arn:aws:states:::"):  # the function's ARN as the Resource
        parameters = {"FunctionName": resource}
    if service in _CAMEL_CASE_APIS:
        parameters = {name[0].lower() + name[1:]: value for name, value in parameters.items()}
    needed = authorisations(Call(service, operation, parameters, place), facts or NoFacts())
    if operation == "StartExecution" and pattern.startswith(".sync"):
        executions = arns.execution_arns_of(parameters["stateMachineArn"])
        needed += [
            Authorisation("states:DescribeExecution", [executions]),
            Authorisation("states:StopExecution", [executions]),
            *sync_execution_rule(place),
        ]
    if operation == "RunTask" and pattern == ".sync":
        # The task's ARN is not known before it runs: AWS documents these on the cluster's tasks.
        cluster = parameters.get("cluster", "default")
        cluster_name = cluster.rsplit("/", 1)[-1]
        tasks = place.arn("ecs", f"task/{cluster_name}/*")
        rule = arns.rule_arn(place, SYNC_ECS_TASK_RULE)
        needed += [
            Authorisation("ecs:StopTask", [tasks]),
            Authorisation("ecs:DescribeTasks", [tasks]),
            *(
                Authorisation(f"events:{a}", [rule])
                for a in ("PutTargets", "PutRule", "DescribeRule")
            ),
        ]
    return needed


def sync_execution_rule(place: Place) -> list[Authorisation]:
    """What keeping the managed rule of a `.sync` execution task needs (AWS checks it when the
    state machine is created)."""
    rule = arns.rule_arn(place, SYNC_EXECUTION_RULE)
    return [Authorisation(f"events:{a}", [rule]) for a in ("PutTargets", "PutRule", "DescribeRule")]


def _as_role(needed: list[Authorisation]) -> list[Authorisation]:
    """The service acts with the role's credentials: the caller's context, over HTTPS."""
    return [replace(one, context={"aws:SecureTransport": True, **one.context}) for one in needed]


# --- what Lambda does as the function's role ---------------------------------------------------


def function_logging(place: Place, function_name: str, log_stream: str) -> list[Authorisation]:
    """Lambda's log agent writes the function's logs with its role's permissions (an encrypted
    log group's key is used by CloudWatch Logs itself, under the key policy)."""
    group = f"/aws/lambda/{function_name}"
    stream = arns.log_stream_arn(place, group, log_stream)
    return _as_role(
        [
            Authorisation("logs:CreateLogGroup", [arns.log_group_arn(place, group)]),
            Authorisation("logs:CreateLogStream", [stream]),
            Authorisation("logs:PutLogEvents", [stream]),
        ]
    )


def tracing() -> list[Authorisation]:
    """Active tracing (a function's or a state machine's) sends segments with the role."""
    actions = ("PutTraceSegments", "PutTelemetryRecords", "GetSamplingRules", "GetSamplingTargets")
    return _as_role([Authorisation(f"xray:{action}", ["*"]) for action in actions])


def dead_letter(queue: str, facts: ResourceFacts | None = None) -> list[Authorisation]:
    """An asynchronous invocation that failed every try, or an event source mapping's on-failure
    destination, sent to a queue with the function's role."""
    key = (facts or NoFacts()).encryption_key(queue)
    send = Authorisation("sqs:SendMessage", [queue])
    return _as_role([send, *queue_key_use(key, ("kms:GenerateDataKey", "kms:Decrypt"), queue)])


def queue_polling(queue: str, facts: ResourceFacts | None = None) -> list[Authorisation]:
    """An SQS event source mapping, as the function's role."""
    key = (facts or NoFacts()).encryption_key(queue)
    actions = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
    polls = [Authorisation(f"sqs:{action}", [queue]) for action in actions]
    return _as_role([*polls, *queue_key_use(key, ("kms:Decrypt",), queue)])


def stream_polling(stream: str, facts: ResourceFacts | None = None) -> list[Authorisation]:
    """A Kinesis or DynamoDB stream event source mapping, as the function's role."""
    if ":dynamodb:" in stream:
        actions = ("DescribeStream", "GetShardIterator", "GetRecords")
        polls = [Authorisation(f"dynamodb:{a}", [stream]) for a in actions]
        return _as_role([*polls, Authorisation("dynamodb:ListStreams", ["*"])])
    actions = (
        "DescribeStream",
        "DescribeStreamSummary",
        "GetShardIterator",
        "GetRecords",
        "ListShards",
    )
    polls = [Authorisation(f"kinesis:{a}", [stream]) for a in actions]
    key = (facts or NoFacts()).encryption_key(stream)
    return _as_role([*polls, *stream_key_use(key, ("kms:Decrypt",), stream)])


# --- deliveries a service makes as its own principal --------------------------------------------


def _from_source(principal: str, source_arn: str, account: str) -> Context:
    return {
        "aws:SourceArn": source_arn,
        "aws:SourceAccount": account,
        "aws:PrincipalServiceName": principal,
        "aws:SecureTransport": True,
    }


def _delivery(action: str, target: str, principal: str, source: str, account: str) -> Authorisation:
    return Authorisation(action, [target], _from_source(principal, source, account), principal)


def function_invoked_by(
    principal: str, function_arn: str, source_arn: str, account: str
) -> list[Authorisation]:
    """A service invoking a function under its resource policy (AWS::Lambda::Permission):
    apigateway.amazonaws.com from the method's execute-api ARN, s3.amazonaws.com from the
    bucket, sns.amazonaws.com from the topic, events.amazonaws.com from the rule."""
    return [_delivery("lambda:InvokeFunction", function_arn, principal, source_arn, account)]


def topic_to_queue(
    topic: str, queue: str, facts: ResourceFacts | None = None
) -> list[Authorisation]:
    """SNS delivering to a subscribed queue, under the queue's policy; to an encrypted queue
    only if the key policy lets SNS use the key."""
    principal, account = "sns.amazonaws.com", arns.arn_account(topic)
    key = (facts or NoFacts()).encryption_key(queue)
    send = _delivery("sqs:SendMessage", queue, principal, topic, account)
    return [
        send,
        *_service_key_use(key, ("kms:GenerateDataKey", "kms:Decrypt"), principal, topic, account),
    ]


def alarm_notification(
    alarm_arn: str, topic: str, facts: ResourceFacts | None = None
) -> list[Authorisation]:
    """A CloudWatch alarm action publishing to a topic as cloudwatch.amazonaws.com: the topic's
    policy must allow it, and an encrypted topic's key policy must let CloudWatch use the key
    (an AWS managed key such as alias/aws/sns never does). SNS gives the alarm's account as
    aws:SourceOwner, which a topic's default policy asks for: alarms notify such a topic."""
    principal, account = "cloudwatch.amazonaws.com", arns.arn_account(alarm_arn)
    key = (facts or NoFacts()).encryption_key(topic)
    publish = _delivery("sns:Publish", topic, principal, alarm_arn, account)
    publish = replace(publish, context={**publish.context, "aws:SourceOwner": account})
    return [
        publish,
        *_service_key_use(
            key, ("kms:GenerateDataKey", "kms:Decrypt"), principal, alarm_arn, account
        ),
    ]


def bucket_notification(
    bucket_arn: str, account: str, target: str, facts: ResourceFacts | None = None
) -> list[Authorisation]:
    """S3 sending an event notification to a queue or a topic as s3.amazonaws.com, under the
    target's policy; to an encrypted target only if its key policy lets S3 use the key (a
    bucket's ARN names no account: the bucket owner's is given)."""
    principal = "s3.amazonaws.com"
    action = "sqs:SendMessage" if ":sqs:" in target else "sns:Publish"
    key = (facts or NoFacts()).encryption_key(target)
    kms = ("kms:GenerateDataKey", "kms:Decrypt")
    return [
        _delivery(action, target, principal, bucket_arn, account),
        *_service_key_use(key, kms, principal, bucket_arn, account),
    ]


_TARGET_ACTIONS = {
    "lambda": "lambda:InvokeFunction",
    "sqs": "sqs:SendMessage",
    "states": "states:StartExecution",
    "sns": "sns:Publish",
    "events": "events:PutEvents",
}


def event_target(
    rule: str,
    target: str,
    role: str | None = None,
    facts: ResourceFacts | None = None,
) -> list[Authorisation]:
    """EventBridge (a rule, or a schedule's dead-letter queue) delivering to a target: as the
    target's RoleArn when it has one (the caller is then that role's session), otherwise as
    events.amazonaws.com under the target's resource policy."""
    service = target.split(":")[2]
    if service not in _TARGET_ACTIONS:
        raise UnmappedOperation(f"no IAM mapping for an EventBridge target in {service}")
    principal = None if role else "events.amazonaws.com"
    account = arns.arn_account(rule)
    context = (
        _from_source("events.amazonaws.com", rule, account)
        if principal
        else {"aws:SecureTransport": True}
    )
    deliver = Authorisation(_TARGET_ACTIONS[service], [target], context, principal)
    key = (facts or NoFacts()).encryption_key(target) if service in ("sqs", "sns") else None
    if key is None:
        return [deliver]
    kms = ("kms:GenerateDataKey", "kms:Decrypt")
    if principal:
        return [deliver, *_service_key_use(key, kms, principal, rule, account)]
    use = queue_key_use(key, kms, target) if service == "sqs" else topic_key_use(key, target)
    return [deliver, *use]


def _service_key_use(
    key: str | None, actions: tuple[str, ...], principal: str, source: str, account: str
) -> list[Authorisation]:
    """A service principal using a key itself (not for a caller): only the key policy counts."""
    if key is None:
        return []
    return [_delivery(action, key, principal, source, account) for action in actions]
