"""A SAM template may name the resources SAM generates (a function's `<Function>Role`) from its
other resources, as CloudFormation allows: the reference resolves after the transform."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client

TEMPLATE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "GreetFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.13",
                "Handler": "index.handler",
                "InlineCode": "def handler(event, context):\n    return 'hi'\n",
            },
        },
        # The role SAM makes for the function, named by its generated logical id.
        "GreetTablesPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
                    ],
                },
                "Roles": [{"Ref": "GreetFunctionRole"}],
            },
        },
    },
}


def test_a_resource_may_name_the_role_sam_generates(local_cloud):
    # GIVEN a SAM template whose managed policy attaches to the role SAM makes for a function
    cloudformation, iam = client("cloudformation"), client("iam")
    name = f"sam-generated-{uuid.uuid4().hex[:6]}"

    # WHEN it is deployed
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(TEMPLATE),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    try:
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )

        # THEN the policy is attached to that role
        resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
        attached = iam.list_attached_role_policies(RoleName=physical["GreetFunctionRole"])
        assert physical["GreetTablesPolicy"] in [
            p["PolicyArn"] for p in attached["AttachedPolicies"]
        ]
    finally:
        cloudformation.delete_stack(StackName=name)
