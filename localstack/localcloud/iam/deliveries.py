"""What a delivery a service makes in its own name needs: the local cloud's services make it as
an internal call that carries their service principal and the resource they act for (the
method, bucket, topic, rule or alarm), and AWS judges it under the target's resource policy:
API Gateway, S3, SNS and EventBridge invoking a function, SNS and S3 sending to a queue,
EventBridge delivering to its targets, a CloudWatch alarm publishing to a topic."""

from __future__ import annotations

from localcloud.iam import arns
from localcloud.iam.actions import (
    Authorisation,
    Call,
    NoFacts,
    ResourceFacts,
    UnmappedOperation,
    authorisations,
)
from localcloud.iam.integrations import (
    alarm_notification,
    bucket_notification,
    event_target,
    function_invoked_by,
    topic_to_queue,
)

# The operations through which a service delivers to a target (SDK service, operation).
DELIVERY_OPERATIONS = frozenset(
    {
        ("lambda", "Invoke"),
        ("sqs", "SendMessage"),
        ("sqs", "SendMessageBatch"),
        ("sns", "Publish"),
        ("sns", "PublishBatch"),
        ("stepfunctions", "StartExecution"),
        ("events", "PutEvents"),
    }
)


def principal_name(service_principal: str) -> str:
    """LocalStack's short name ("sns") -> the service principal AWS names ("sns.amazonaws.com")."""
    return service_principal if "." in service_principal else f"{service_principal}.amazonaws.com"


def is_delivery(service: str, operation: str) -> bool:
    return (service, operation) in DELIVERY_OPERATIONS


def delivery_authorisations(
    service_principal: str, source_arn: str, call: Call, facts: ResourceFacts | None = None
) -> list[Authorisation]:
    """What `call`, made by the service as itself on behalf of `source_arn`, needs of the
    target's resource policy (and of an encrypted target's key policy)."""
    principal = principal_name(service_principal)
    target = authorisations(call, NoFacts())[0].resources[0]
    # A bucket's ARN names no account: the bucket is the calling account's.
    account = (arns.arn_account(source_arn) if source_arn.count(":") >= 5 else "") or (
        call.place.account
    )
    if call.service == "lambda":
        return function_invoked_by(principal, target, source_arn, account)
    if principal == "sns.amazonaws.com" and call.service == "sqs":
        return topic_to_queue(source_arn, target, facts)
    if principal == "cloudwatch.amazonaws.com" and call.service == "sns":
        return alarm_notification(source_arn, target, facts)
    if principal == "events.amazonaws.com":
        return event_target(source_arn, target, None, facts)
    if principal == "s3.amazonaws.com" and call.service in ("sqs", "sns"):
        return bucket_notification(source_arn, account, target, facts)
    operation = f"{call.service}:{call.operation}"
    raise UnmappedOperation(f"no IAM mapping for {principal} calling {operation}")
