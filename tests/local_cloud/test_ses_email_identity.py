"""AWS::SES::EmailIdentity is created and deleted for real by CloudFormation on the local cloud
(the community provider is a stub that rolls the stack back)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client


def test_email_identity_lives_and_dies_with_its_stack(local_cloud):
    # GIVEN a stack holding one sender identity
    cloudformation = client("cloudformation")
    ses = client("ses")
    sender = f"approvals-{uuid.uuid4().hex[:6]}@example.com"
    name = f"ses-identity-{uuid.uuid4().hex[:6]}"
    template = {
        "Resources": {
            "Sender": {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": sender}}
        }
    }

    # WHEN the stack is created
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 600}
    )

    # THEN the identity exists in SES, and it can send
    assert sender in ses.list_identities()["Identities"]
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": ["someone@example.com"]},
        Message={"Subject": {"Data": "hello"}, "Body": {"Text": {"Data": "hi"}}},
    )

    # AND when the stack is deleted, the identity goes with it
    cloudformation.delete_stack(StackName=name)
    cloudformation.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 600}
    )
    assert sender not in ses.list_identities()["Identities"]
