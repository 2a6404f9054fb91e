"""A CloudFormation resource with a property its type does not have fails, and its stack with it,
as on AWS (localcloud/aws_behaviours/cfn_resource_properties.py)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client, wait_until


def state_machine(role: str, **extra_properties) -> dict:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    return {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "RoleArn": role,
            "DefinitionString": json.dumps(definition),
            **extra_properties,
        },
    }


def settled(resources: dict) -> tuple[str, list[dict]]:
    """Create a stack of these resources; its status once settled, and its events."""
    cloudformation, name = client("cloudformation"), f"cfn-properties-{uuid.uuid4().hex[:8]}"
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))

    def status():
        found = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        return None if found.endswith("_IN_PROGRESS") else found

    final = wait_until(status, 90, interval=0.5, what=f"stack {name}")
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    cloudformation.delete_stack(StackName=name)
    return final, events


def test_a_property_the_type_does_not_have_fails_the_resource(pass_only_machine_role):
    # GIVEN a state machine with a misspelt property beside a valid one
    # WHEN its stack is created
    status, events = settled(
        {"Machine": state_machine(pass_only_machine_role, StateMachineTyp="EXPRESS")}
    )
    # THEN the resource fails with CloudFormation's message, and so does the stack
    assert status in ("CREATE_FAILED", "ROLLBACK_COMPLETE")
    reasons = [
        e.get("ResourceStatusReason", "") for e in events if e["LogicalResourceId"] == "Machine"
    ]
    assert any(
        "Properties validation failed for resource Machine with message: "
        "#: extraneous key [StateMachineTyp] is not permitted" in reason
        for reason in reasons
    ), reasons


def test_properties_newer_than_localstacks_own_schema_are_accepted(pass_only_machine_role):
    # GIVEN a state machine with EncryptionConfiguration (in AWS's schema, not LocalStack's)
    encryption = {"Type": "AWS_OWNED_KEY"}
    # WHEN its stack is created THEN it is
    status, _ = settled(
        {"Machine": state_machine(pass_only_machine_role, EncryptionConfiguration=encryption)}
    )
    assert status == "CREATE_COMPLETE"
