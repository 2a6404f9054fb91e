"""In every stage, the local one too, the stack's customer-managed key (rotated) encrypts every
store that can hold personal data, and its log groups; the key policy gives wildcards to the
account root alone; every function and state machine may use the key, and only that key; every
topic is encrypted, and a topic a service principal publishes to (the alarms' operations topic)
with a key whose policy lets that service use it."""

from __future__ import annotations

import json

import pytest

from support.template import load_template, template_paths

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
STORES = {
    "AWS::DynamoDB::Table": "SSESpecification",
    "AWS::S3::Bucket": "BucketEncryption",
    "AWS::SQS::Queue": "KmsMasterKeyId",
    "AWS::Kinesis::Stream": "StreamEncryption",
    "AWS::Logs::LogGroup": "KmsKeyId",
}


def of_type(*kinds: str) -> dict[str, dict]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] in kinds}


def test_the_key_exists_in_every_stage_and_rotates():
    key = RESOURCES["DataKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert "Condition" not in key and "Condition" not in RESOURCES["DataKeyAlias"]
    assert key["Properties"]["EnableKeyRotation"] is True


def test_no_stage_encrypts_differently():
    # One way for every stage: the local one deploys the key and the encryption AWS stages do.
    for path in template_paths():
        assert "UsesCustomerKey" not in path.read_text(), path.name


def test_only_the_account_root_is_given_wildcard_actions():
    statements = RESOURCES["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        principal = json.dumps(statement["Principal"])
        assert statement["Effect"] == "Allow"
        assert principal != '"*"' and '"AWS": "*"' not in principal
        if any("*" in action for action in actions):
            assert ":root" in principal, statement["Sid"]
        else:
            assert "Condition" in statement, statement["Sid"]  # services: this account only


# The test doubles exist on the local cloud alone (!Equals [!Ref Stage, local]) and stand for
# someone else's service: their stores keep the default encryption, their roles use no key.
LOCAL_ONLY = "HasTestDoubles"


def in_aws_stages(name: str) -> bool:
    assert TEMPLATE["Conditions"][LOCAL_ONLY] == ["Stage", "local"]
    return RESOURCES[name].get("Condition") != LOCAL_ONLY


@pytest.mark.parametrize("store", sorted(name for name in of_type(*STORES) if in_aws_stages(name)))
def test_every_store_and_log_group_is_encrypted_with_the_key(store):
    resource = RESOURCES[store]
    setting = resource["Properties"][STORES[resource["Type"]]]
    assert "DataKey" in json.dumps(setting) and "Fn::If" not in json.dumps(setting), setting


@pytest.mark.parametrize("topic", sorted(of_type("AWS::SNS::Topic")))
def test_every_topic_is_encrypted(topic):
    assert RESOURCES[topic]["Properties"]["KmsMasterKeyId"] in ("DataKey", "alias/aws/sns")


def alarmed_topics() -> set[str]:
    """The topics the alarms notify (as the root names them: a workflow's OperationsTopic
    parameter is the root's OperationsTopic)."""
    return {
        action
        for alarm in of_type("AWS::CloudWatch::Alarm").values()
        for action in alarm["Properties"]["AlarmActions"]
    }


def test_the_alarms_topic_is_under_a_key_cloudwatch_may_use():
    # AWS-managed keys (alias/aws/sns) only serve the account's own principals through SNS:
    # CloudWatch could not publish, and no alarm would reach anyone.
    assert alarmed_topics() == {"OperationsTopic"}
    assert RESOURCES["OperationsTopic"]["Properties"]["KmsMasterKeyId"] == "DataKey"
    statements = RESOURCES["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch_service = {"Service": "cloudwatch.amazonaws.com"}
    [cloudwatch] = [s for s in statements if s["Principal"] == cloudwatch_service]
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert cloudwatch["Condition"]["StringEquals"] == {"aws:SourceAccount": "AWS::AccountId"}
    source = cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"]
    assert source.endswith(":alarm:${AWS::StackName}-*"), source


def test_the_functions_and_state_machines_may_use_the_key_and_only_it():
    # The root's policy names the root's roles; each workflow's template has its own for its own.
    policies = {
        name: resource
        for name, resource in RESOURCES.items()
        if name.endswith("DataKeyUsePolicy") and resource["Type"] == "AWS::IAM::ManagedPolicy"
    }
    assert "DataKeyUsePolicy" in policies and len(policies) == 7
    roles = ""
    for policy in policies.values():
        assert "Condition" not in policy
        [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
        assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
        # The key itself: the root's DataKey, passed to each workflow as DataKeyArn.
        assert statement["Resource"] in ("DataKey.Arn", "DataKeyArn")
        roles += json.dumps(policy["Properties"]["Roles"])
    for name in of_type("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
        if in_aws_stages(name):
            assert f'"{name}Role"' in roles, name
