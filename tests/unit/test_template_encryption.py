"""In AWS stages the stack's customer-managed key (rotated) encrypts every store that can hold
personal data, and its log groups; the key policy gives wildcards to the account root alone;
every function and state machine may use the key, and only that key. The local stage keeps its
default encryption (the local cloud has no KMS to speak of)."""

from __future__ import annotations

import json

import pytest

from support.template import load_template

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


def test_the_key_exists_in_aws_stages_only_and_rotates():
    key = RESOURCES["DataKey"]
    assert TEMPLATE["Conditions"]["UsesCustomerKey"] == ["IsLocal"]  # !Not [!Condition IsLocal]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Condition"] == "UsesCustomerKey"
    assert key["Properties"]["EnableKeyRotation"] is True


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


# Conditions that imply UsesCustomerKey (they need an AWS stage).
AWS_ONLY_CONDITIONS = {"CreatesUserPool"}
# The test doubles exist on the local cloud alone (!Equals [!Ref Stage, local]), where there is
# no key: their stores keep the default encryption, their roles are in no key policy.
LOCAL_ONLY = "HasTestDoubles"


def in_aws_stages(name: str) -> bool:
    assert TEMPLATE["Conditions"][LOCAL_ONLY] == ["Stage", "local"]
    return RESOURCES[name].get("Condition") != LOCAL_ONLY


@pytest.mark.parametrize("store", sorted(name for name in of_type(*STORES) if in_aws_stages(name)))
def test_every_store_and_log_group_is_encrypted_with_the_key_in_aws_stages(store):
    resource = RESOURCES[store]
    setting = json.dumps(resource["Properties"][STORES[resource["Type"]]])
    # A resource that exists only in AWS stages (where the key is) names the key directly.
    only_in_aws = resource.get("Condition") in AWS_ONLY_CONDITIONS
    assert "DataKey" in setting and ("UsesCustomerKey" in setting or only_in_aws), setting


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
        assert policy["Condition"] == "UsesCustomerKey"
        [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
        assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
        # The key itself: the root's DataKey, passed to each workflow as DataKeyArn.
        assert statement["Resource"] in ("DataKey.Arn", "DataKeyArn")
        roles += json.dumps(policy["Properties"]["Roles"])
    for name in of_type("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
        if in_aws_stages(name):
            assert f'"{name}Role"' in roles, name
