"""Every bucket, queue and topic refuses requests made without TLS (its policy denies any request
whose `aws:SecureTransport` is false), in every stage. Such a policy replaces the service's
default one, so it still lets in each service principal that delivers there, scoped to the
stack's own senders."""

from __future__ import annotations

import pytest

from support.template import load_template

RESOURCES = load_template()["Resources"]
# Each store, the policy resource that guards it, the property naming the store, its actions.
GUARDED = {
    "AWS::S3::Bucket": ("AWS::S3::BucketPolicy", "Bucket", "s3:*"),
    "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", "sqs:*"),
    "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", "sns:*"),
}


def named(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def policy_of(store: str) -> dict:
    kind, naming, _ = GUARDED[RESOURCES[store]["Type"]]
    [policy] = [
        resource
        for resource in RESOURCES.values()
        if resource["Type"] == kind and store in named(resource["Properties"][naming])
    ]
    assert policy.get("Condition") == RESOURCES[store].get("Condition"), store
    return policy["Properties"]["PolicyDocument"]


def statements(store: str, effect: str) -> list[dict]:
    return [s for s in policy_of(store)["Statement"] if s["Effect"] == effect]


@pytest.mark.parametrize(
    "store", sorted(name for name, r in RESOURCES.items() if r["Type"] in GUARDED)
)
def test_every_bucket_queue_and_topic_refuses_plain_http(store):
    _, _, actions = GUARDED[RESOURCES[store]["Type"]]
    [deny] = statements(store, "Deny")
    assert deny["Principal"] == "*" and deny["Action"] == actions
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": False}}
    covered = " ".join(named(deny["Resource"]))
    assert store in covered, covered
    if actions == "s3:*":  # the bucket and every object in it
        assert f"${{{store}.Arn}}/*" in covered, covered


def allows(store: str, service: str, action: str) -> dict:
    [allow] = [
        s
        for s in statements(store, "Allow")
        if s["Principal"] == {"Service": service} and s["Action"] == action
    ]
    return allow["Condition"]


def alarmed_topics() -> set[str]:
    return {
        topic
        for r in RESOURCES.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        for topic in r["Properties"]["AlarmActions"]
    }


@pytest.mark.parametrize("topic", sorted(alarmed_topics()))
def test_the_stacks_alarms_may_still_notify(topic):
    condition = allows(topic, "cloudwatch.amazonaws.com", "sns:Publish")
    assert condition["StringEquals"] == {"aws:SourceAccount": "AWS::AccountId"}
    assert condition["ArnLike"]["aws:SourceArn"].endswith(":alarm:${AWS::StackName}-*")


def eventbridge_queues() -> set[str]:
    """The queues EventBridge sends to: rule targets, and the dead-letter queues of rules and of
    SAM's Schedule events."""
    queues = set()
    for r in RESOURCES.values():
        if r["Type"] == "AWS::Events::Rule":
            for target in r["Properties"]["Targets"]:
                queues.add(target["Arn"])
                queues.add(target.get("DeadLetterConfig", {}).get("Arn"))
        for event in r.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "Schedule":
                queues.add(event["Properties"].get("DeadLetterConfig", {}).get("Arn"))
    return {
        arn.removesuffix(".Arn")
        for arn in queues
        if arn and RESOURCES[arn.removesuffix(".Arn")]["Type"] == "AWS::SQS::Queue"
    }


@pytest.mark.parametrize("queue", sorted(eventbridge_queues()))
def test_eventbridge_may_still_deliver_to_its_queues(queue):
    condition = allows(queue, "events.amazonaws.com", "sqs:SendMessage")
    assert "aws:SourceArn" in condition["ArnEquals"]
