"""Every bucket, queue and topic refuses requests made without TLS (its policy denies any request
whose `aws:SecureTransport` is false) in AWS stages; the local stage, whose clients reach the
local cloud over plain http, leaves that one statement out (README). Such a policy replaces the
service's default one, so it still lets in each service principal that delivers there, scoped to
the stack's own senders, in every stage."""

from __future__ import annotations

import pytest

from support.template import load_template

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
IN_AWS_STAGES = "RefusesPlainHttp"
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
    return policy


def statements(store: str, effect: str) -> list[dict]:
    found = []
    for statement in policy_of(store)["Properties"]["PolicyDocument"]["Statement"]:
        if isinstance(statement, list):  # !If [RefusesPlainHttp, statement, AWS::NoValue]
            condition, statement, otherwise = statement
            assert (condition, otherwise) == (IN_AWS_STAGES, "AWS::NoValue"), statement
        if statement["Effect"] == effect:
            found.append(statement)
    return found


def test_only_the_local_stage_leaves_the_refusal_out():
    assert TEMPLATE["Conditions"][IN_AWS_STAGES] == ["IsLocal"]  # !Not [!Condition IsLocal]


@pytest.mark.parametrize(
    "store", sorted(name for name, r in RESOURCES.items() if r["Type"] in GUARDED)
)
def test_every_bucket_queue_and_topic_refuses_plain_http(store):
    _, _, actions = GUARDED[RESOURCES[store]["Type"]]
    policy = policy_of(store)
    [deny] = statements(store, "Deny")
    if statements(store, "Allow"):  # the statement alone depends on the stage
        assert policy.get("Condition") == RESOURCES[store].get("Condition"), store
        assert any(isinstance(s, list) for s in policy["Properties"]["PolicyDocument"]["Statement"])
    else:  # the whole policy does
        assert policy["Condition"] == IN_AWS_STAGES
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
