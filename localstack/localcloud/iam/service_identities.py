"""Start-up hook: LocalStack's services act as the AWS principals they are on AWS, each check
through `enforcement.authorise`, with AWS's answer when refused.

The gateway (`gateway.py`) judges every call signed with a role session's key: a Step Functions
task's, an event source mapping's poll, an EventBridge target's with a RoleArn. This judges what
the gateway does not see, once each:

- a service assuming a role (`connect_to.with_assumed_role`, Lambda's check at CreateFunction):
  the role must exist and its trust policy must allow the service principal;
- UpdateFunctionConfiguration: a new role must trust Lambda (LocalStack checks CreateFunction);
- CreateStateMachine and UpdateStateMachine: the role must trust Step Functions, and a `.sync`
  execution task's role must be allowed the managed rule AWS keeps for it;
- a delivery a service makes as itself, an internal call carrying its service principal and the
  resource it acts for (API Gateway, S3, SNS, EventBridge invoking a function; SNS, S3 and
  EventBridge sending to a queue or topic; EventBridge starting an execution; a CloudWatch alarm
  publishing): judged under the target's resource policy, refused with the target's
  AccessDenied, which each sender handles as it does on AWS (API Gateway answers 500, SNS and
  EventBridge drop the message);
- CreateEventSourceMapping: the function's role must be allowed to poll the queue or stream;
  a stream mapping whose role later loses it says so in LastProcessingResult (`mapping_polls`);
- a CloudWatch alarm's Lambda action: as lambda.alarms.cloudwatch.amazonaws.com, under the
  function's policy;
- a `lambda:invoke` task Lambda refused fails with Step Functions' error name for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from typing import Any

from botocore.exceptions import ClientError
from localstack.aws.api import CommonServiceException, ServiceException
from localstack.runtime import hooks

from localcloud.iam import gateway, integrations
from localcloud.iam.actions import Authorisation, Call, UnmappedOperation, UnreadableRequest
from localcloud.iam.arns import Place
from localcloud.iam.deliveries import delivery_authorisations, is_delivery, principal_name
from localcloud.iam.enforcement import Mode, authorise, mode_from_environment, record_unmapped
from localcloud.iam.evaluation import Decision
from localcloud.iam.mapping_polls import record_poll_results
from localcloud.iam.refusals import (
    FUNCTION_ROLE_NOT_ASSUMABLE,
    STATE_MACHINE_ROLE_NOT_ASSUMABLE,
    Refusal,
    lambda_task_error,
    managed_rule_refused,
    polling_refused,
)
from localcloud.iam.stores import StoreFacts
from localcloud.support.patching import after_import

LOG = logging.getLogger(__name__)

LAMBDA, STATES = "lambda.amazonaws.com", "states.amazonaws.com"
# The session a check made as a role is judged as, before any session of it exists (only the
# role's policies matter, not the name).
CHECK_SESSION = "LocalCloudCheck"

_facts = StoreFacts()


def _error(refusal: Refusal) -> CommonServiceException:
    return gateway.aws_error(refusal.code, refusal.message, refusal.status)


def session_for_check(role: str) -> str:
    """The session ARN a check made as a role is judged as (its role's policies speak)."""
    account, name = role.split(":")[4], role.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{CHECK_SESSION}"


def _as_role(role: str, needed: list[Authorisation]) -> list[Authorisation]:
    # A role with a path: the session's ARN drops it, aws:PrincipalArn keeps it.
    return [
        Authorisation(a.action, a.resources, {"aws:PrincipalArn": role, **a.context})
        for a in needed
    ]


def may_assume(
    service: str, role: str, origin: str, source_arn: str | None = None
) -> Decision | None:
    """Whether `service` (a service principal) may assume `role`: the role exists and its trust
    policy allows the service (with the source it acts for, when it says)."""
    context: dict[str, Any] = {"aws:SecureTransport": True}
    if source_arn:
        context["aws:SourceArn"] = source_arn
        if source_arn.count(":") >= 5 and source_arn.split(":")[4]:
            context["aws:SourceAccount"] = source_arn.split(":")[4]
    needed = [Authorisation("sts:AssumeRole", [role], context, service)]
    return authorise(service, needed, origin=origin)


# --- checks made as the request reaches its service ---------------------------------------------


def _internal_service(context) -> tuple[str, str | None] | None:
    """(service principal, source ARN) of an internal call a service makes as itself; None for
    any other call, and for one signed with a role session's key (the gateway judges those)."""
    params = context.internal_request_params or {}
    service = params.get("service_principal")
    if not service:
        return None
    if gateway.principal_of(gateway.access_key_id(context), context.account_id) is not None:
        return None
    return principal_name(service), params.get("source_arn")


def _check_assume_role(context, request: dict) -> None:
    acting = _internal_service(context)
    if acting is None:
        return
    service, source = acting
    refusal = may_assume(service, request["RoleArn"], "sts:AssumeRole", source)
    if refusal is not None:
        raise gateway.refusal_error("sts", refusal)


def _check_delivery(context, request: dict) -> None:
    service, operation = context.service.service_name, context.operation.name
    if not is_delivery(service, operation):
        return
    acting = _internal_service(context)
    if acting is None or not acting[1]:
        return
    principal, source = acting
    origin = f"{principal} from {source}: {service}:{operation}"
    call = Call(service, operation, request, Place(context.region, context.account_id))
    try:
        needed = delivery_authorisations(principal, source, call, _facts)
    except UnmappedOperation:
        record_unmapped(principal, f"{service}:{operation}", origin)
        return
    except UnreadableRequest:
        return  # the service refuses the request itself
    refusal = authorise(principal, needed, origin=origin)
    if refusal is not None:
        LOG.info("IAM refused a delivery (%s): %s", origin, refusal.message)
        raise gateway.refusal_error(service, refusal)


def _sync_execution_tasks(definition: Any) -> Iterator[str]:
    """The Resource of every `.sync` StartExecution task, however deeply nested."""
    if isinstance(definition, dict):
        resource = definition.get("Resource")
        if (
            definition.get("Type") == "Task"
            and isinstance(resource, str)
            and resource.startswith("arn:aws:states:::states:startExecution.sync")
        ):
            yield resource
        for value in definition.values():
            yield from _sync_execution_tasks(value)
    elif isinstance(definition, list):
        for value in definition:
            yield from _sync_execution_tasks(value)


def _check_state_machine_role(context, request: dict) -> None:
    role = request.get("roleArn")
    if not role:
        return
    origin = f"states:{context.operation.name}"
    if may_assume(STATES, role, origin) is not None:
        raise _error(STATE_MACHINE_ROLE_NOT_ASSUMABLE)
    try:
        definition = json.loads(request.get("definition") or "{}")
    except ValueError:
        return  # Step Functions refuses it with its own error
    if next(_sync_execution_tasks(definition), None) is None:
        return
    needed = integrations.sync_execution_rule(Place(context.region, context.account_id))
    if authorise(session_for_check(role), _as_role(role, needed), origin=origin) is not None:
        raise _error(managed_rule_refused(role))


def _check_function_role(context, request: dict) -> None:
    role = request.get("Role")
    if role and may_assume(LAMBDA, role, "lambda:UpdateFunctionConfiguration") is not None:
        raise _error(FUNCTION_ROLE_NOT_ASSUMABLE)


_CHECKS = {
    ("lambda", "UpdateFunctionConfiguration"): _check_function_role,
    ("sts", "AssumeRole"): _check_assume_role,
    ("stepfunctions", "CreateStateMachine"): _check_state_machine_role,
    ("stepfunctions", "UpdateStateMachine"): _check_state_machine_role,
}


def _judge_the_service_acting(context, request: dict) -> None:
    """The check of the operation, if any; a refusal is raised as the service's error."""
    key = (context.service.service_name, context.operation.name)
    try:
        _CHECKS.get(key, _check_delivery)(context, request)
    except ServiceException:
        raise
    except Exception:  # a fault of the judge is not the caller's: log it, answer as without IAM
        LOG.exception("IAM: could not judge %s:%s made by a service; allowed", *key)


def _judge_before_dispatch(skeleton_module) -> None:
    skeleton = skeleton_module.Skeleton
    dispatch = skeleton.dispatch_request

    def dispatch_request(self, serializer, context, instance):
        if context.operation is not None:
            _judge_the_service_acting(context, instance or {})
        return dispatch(self, serializer, context, instance)

    skeleton.dispatch_request = dispatch_request


# --- CreateEventSourceMapping -------------------------------------------------------------------


def _polling(source: str) -> list[Authorisation]:
    """What the role needs to poll, but for the call LocalStack makes to check the source
    (GetQueueAttributes, DescribeStream), which the gateway judges as the role."""
    if ":sqs:" in source:
        made = "sqs:GetQueueAttributes"
        needed = integrations.queue_polling(source, _facts)
    else:
        made = "dynamodb:DescribeStream" if ":dynamodb:" in source else "kinesis:DescribeStream"
        needed = integrations.stream_polling(source, _facts)
    return [one for one in needed if one.action != made]


def _check_polling(provider_module) -> None:
    provider = provider_module.LambdaProvider
    check = provider.check_service_resource_exists

    def check_service_resource_exists(self, service, resource_arn, function_arn, function_role_arn):
        origin = f"event source mapping of {function_arn}"
        needed = _as_role(function_role_arn, _polling(resource_arn))
        refusal = authorise(session_for_check(function_role_arn), needed, origin=origin)
        if refusal is not None:
            raise _error(polling_refused(resource_arn, Authorisation(refusal.request.action, [])))
        try:
            return check(self, service, resource_arn, function_arn, function_role_arn)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in ("AccessDenied", "AccessDeniedException"):
                raise
            made = "sqs:GetQueueAttributes" if ":sqs:" in resource_arn else "DescribeStream"
            raise _error(polling_refused(resource_arn, Authorisation(made, []))) from error

    provider.check_service_resource_exists = check_service_resource_exists


# --- CloudWatch alarm actions -------------------------------------------------------------------

_alarm: ContextVar[str | None] = ContextVar("localcloud_alarm", default=None)


class _AlarmClients:
    """CloudWatch's `connect_to`: the SNS and Lambda clients of an alarm action carry the alarm
    as their source and CloudWatch's service principal for it (LocalStack acted as the account):
    `cloudwatch` publishing, `lambda.alarms.cloudwatch.amazonaws.com` invoking a function."""

    def __init__(self, connect_to):
        self._connect_to = connect_to

    def __call__(self, *args, **kwargs):
        return _AlarmClientFactory(self._connect_to(*args, **kwargs))

    def __getattr__(self, name):
        return getattr(self._connect_to, name)


class _AlarmClientFactory:
    def __init__(self, factory):
        self._factory = factory

    def __getattr__(self, name):
        client = getattr(self._factory, name)
        alarm = _alarm.get()
        if name == "sns" and alarm:
            return _AlarmPublisher(
                client.request_metadata(service_principal="cloudwatch", source_arn=alarm)
            )
        if name == "lambda_" and alarm:
            return _AlarmInvoker(
                client.request_metadata(service_principal=ALARM_INVOKER, source_arn=alarm)
            )
        return client


# The principal a function's policy must allow for an alarm to invoke it.
ALARM_INVOKER = "lambda.alarms.cloudwatch.amazonaws.com"


class _AlarmInvoker:
    """An alarm's Lambda action the function's policy refuses fails, as on AWS: the alarm still
    changes state, and the refusal is in the IAM journal."""

    def __init__(self, client):
        self._client = client

    def invoke(self, **kwargs):
        try:
            return self._client.invoke(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] != "AccessDeniedException":
                raise
            LOG.info("alarm action on %s failed: %s", kwargs.get("FunctionName"), error)
            return {}


class _AlarmPublisher:
    """An alarm's notification a topic's policy (or its key's) refuses is dropped: the alarm
    still changes state, as on AWS, and the refusal is in the IAM journal."""

    def __init__(self, client):
        self._client = client

    def publish(self, **kwargs):
        try:
            return self._client.publish(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] not in _DELIVERY_REFUSALS:
                raise
            LOG.info("alarm notification to %s dropped: %s", kwargs.get("TopicArn"), error)
            return {}


# SNS's refusals of a publisher: its policy's, its key's.
_DELIVERY_REFUSALS = frozenset({"AuthorizationError", "KMSAccessDenied"})


def _alarm_actions_as_cloudwatch(provider_module) -> None:
    provider = provider_module.CloudwatchProvider
    set_alarm_state = provider.set_alarm_state
    run_composite = provider._run_composite_alarm_actions
    provider_module.connect_to = _AlarmClients(provider_module.connect_to)

    def set_alarm_state_as_cloudwatch(self, context, alarm_name, *args, **kwargs):
        alarm = f"arn:aws:cloudwatch:{context.region}:{context.account_id}:alarm:{alarm_name}"
        token = _alarm.set(alarm)
        try:
            return set_alarm_state(self, context, alarm_name, *args, **kwargs)
        finally:
            _alarm.reset(token)

    def run_composite_as_cloudwatch(self, context, composite_alarm, *args, **kwargs):
        token = _alarm.set(composite_alarm.alarm["AlarmArn"])
        try:
            return run_composite(self, context, composite_alarm, *args, **kwargs)
        finally:
            _alarm.reset(token)

    provider.set_alarm_state = set_alarm_state_as_cloudwatch
    provider._run_composite_alarm_actions = run_composite_as_cloudwatch


# --- Step Functions' Lambda task ----------------------------------------------------------------


@cache
def _invoke_errors() -> frozenset[str]:
    """The errors Lambda's Invoke models (its API specification)."""
    from localstack.aws.spec import load_service

    return frozenset(
        shape.name for shape in load_service("lambda").operation_model("Invoke").error_shapes
    )


def _lambda_task_errors_as_aws(lambda_task_module) -> None:
    task = lambda_task_module.StateTaskServiceLambda
    error_cause = task._error_cause_from_client_error

    def error_cause_as_aws(client_error) -> tuple[str, str]:
        _, cause = error_cause(client_error)
        return lambda_task_error(client_error.response["Error"]["Code"], _invoke_errors()), cause

    task._error_cause_from_client_error = staticmethod(error_cause_as_aws)


@hooks.on_infra_start()
def act_as_aws_principals() -> None:
    if mode_from_environment() is Mode.OFF:
        return  # nothing judged: LocalStack's services as they were
    after_import("localstack.aws.skeleton", requires=("Skeleton.dispatch_request",))(
        _judge_before_dispatch
    )
    after_import(
        "localstack.services.lambda_.provider",
        requires=("LambdaProvider.check_service_resource_exists",),
    )(_check_polling)
    after_import(
        "localstack.services.lambda_.event_source_mapping.esm_worker",
        requires=("EsmWorker.poller_loop",),
    )(record_poll_results)
    after_import(
        "localstack.services.cloudwatch.provider_v2",
        requires=(
            "connect_to",
            "CloudwatchProvider.set_alarm_state",
            "CloudwatchProvider._run_composite_alarm_actions",
        ),
    )(_alarm_actions_as_cloudwatch)
    after_import(
        "localstack.services.stepfunctions.asl.component.state.state_execution.state_task."
        "service.state_task_service_lambda",
        requires=("StateTaskServiceLambda._error_cause_from_client_error",),
    )(_lambda_task_errors_as_aws)
