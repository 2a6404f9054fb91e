"""Every way the templates have a service deliver to or poll for a function, queue or topic
has its IAM mapping: a new kind of event source, rule target or alarm action without one fails
here, naming the resource that declares it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from localcloud.iam.actions import Authorisation
from localcloud.iam.integrations import (
    alarm_notification,
    dead_letter,
    event_target,
    function_invoked_by,
    queue_polling,
    stream_polling,
)
from support.template import load_template
from unit.localcloud.iam.resources import ARN, QUEUE, STREAM, TOPIC

FUNCTION = ARN.format("lambda", "function:f")
RULE = ARN.format("events", "rule/r")
# How each kind of SAM function event is authorised (a synthetic example of each).
EVENT_SOURCES: dict[str, Callable[[], list[Authorisation]]] = {
    "SQS": lambda: queue_polling(QUEUE),
    "Kinesis": lambda: stream_polling(STREAM),
    "DynamoDB": lambda: stream_polling(ARN.format("dynamodb", "table/t/stream/1")),
    "S3": lambda: function_invoked_by(
        "s3.amazonaws.com", FUNCTION, "arn:aws:s3:::b", "000000000000"
    ),
    "SNS": lambda: function_invoked_by("sns.amazonaws.com", FUNCTION, TOPIC, "000000000000"),
    "Schedule": lambda: event_target(RULE, FUNCTION),
    "EventBridgeRule": lambda: event_target(RULE, FUNCTION),
    "CloudWatchEvent": lambda: event_target(RULE, FUNCTION),
}
# A resource type a delivery reaches, as its ARN's service.
SERVICE_OF = {
    "AWS::SQS::Queue": QUEUE,
    "AWS::SNS::Topic": TOPIC,
    "AWS::Serverless::Function": FUNCTION,
    "AWS::Lambda::Function": FUNCTION,
    "AWS::Serverless::StateMachine": ARN.format("states", "stateMachine:m"),
    "AWS::StepFunctions::StateMachine": ARN.format("states", "stateMachine:m"),
}


def _resources() -> dict:
    return load_template()["Resources"]


def _arn_of(reference: str) -> str:
    """`Queue.Arn` (a !GetAtt) or `Topic` (a !Ref) -> an example ARN of that resource's kind."""
    resource = _resources().get(reference.split(".")[0])
    assert resource is not None, f"{reference} names no resource of the templates"
    assert resource["Type"] in SERVICE_OF, f"{reference} ({resource['Type']}) has no IAM mapping"
    return SERVICE_OF[resource["Type"]]


def function_events() -> Iterator[tuple[str, dict]]:
    for name, resource in _resources().items():
        if resource["Type"] == "AWS::Serverless::Function":
            for event_name, event in (resource["Properties"].get("Events") or {}).items():
                yield f"{name}.{event_name}", event


def deliveries() -> Iterator[tuple[str, Callable[[], list[Authorisation]]]]:
    """Each delivery a resource declares, with how it is authorised."""
    for name, resource in _resources().items():
        properties = resource.get("Properties") or {}
        dead_letter_queue = properties.get("DeadLetterQueue")
        if resource["Type"] == "AWS::Serverless::Function" and dead_letter_queue:
            yield name, lambda q=dead_letter_queue: dead_letter(_arn_of(q["TargetArn"]))
        for event_name, event in (properties.get("Events") or {}).items():
            config = event.get("Properties", {})
            failures = config.get("DestinationConfig", {}).get("OnFailure", {})
            if failures:
                yield (
                    f"{name}.{event_name}",
                    lambda f=failures: dead_letter(_arn_of(f["Destination"])),
                )
            if "DeadLetterConfig" in config:
                arn = config["DeadLetterConfig"]["Arn"]
                yield f"{name}.{event_name}", lambda a=arn: event_target(RULE, _arn_of(a))
        for target in (
            properties.get("Targets", []) if resource["Type"] == "AWS::Events::Rule" else []
        ):
            yield name, lambda t=target: event_target(RULE, _arn_of(t["Arn"]), t.get("RoleArn"))
            if "DeadLetterConfig" in target:
                arn = target["DeadLetterConfig"]["Arn"]
                yield name, lambda a=arn: event_target(RULE, _arn_of(a))
        for action in [*properties.get("AlarmActions", []), *properties.get("OKActions", [])]:
            alarm = ARN.format("cloudwatch", f"alarm:{name}")
            yield name, lambda a=action, alarm=alarm: alarm_notification(alarm, _arn_of(a))


def test_the_templates_declare_deliveries() -> None:
    kinds = {event["Type"] for _, event in function_events()}
    assert {"SQS", "Kinesis", "S3", "Schedule"} <= kinds
    assert len(list(deliveries())) > 10


@pytest.mark.parametrize(
    "where, event", [pytest.param(*found, id=found[0]) for found in function_events()]
)
def test_every_function_event_kind_is_mapped(where: str, event: dict) -> None:
    assert event["Type"] in EVENT_SOURCES, f"{where}: its {event['Type']} event has no IAM mapping"
    assert EVENT_SOURCES[event["Type"]]()


@pytest.mark.parametrize(
    "where, authorised", [pytest.param(*found, id=found[0]) for found in deliveries()]
)
def test_every_delivery_is_mapped(
    where: str, authorised: Callable[[], list[Authorisation]]
) -> None:
    assert authorised(), where
