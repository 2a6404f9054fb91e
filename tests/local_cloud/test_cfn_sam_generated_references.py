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
    cloudformation = client("cloudformation")
    name = f"sam-generated-{uuid.uuid4().hex[:6]}"

    # WHEN it is deployed
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(TEMPLATE),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    try:
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 1200}
        )

        # THEN the stack holds the policy beside the role SAM made (CloudFormation attached it
        # when it created the policy, after the role it names)
        resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        status = {r["LogicalResourceId"]: r["ResourceStatus"] for r in resources}
        assert status["GreetFunctionRole"] == status["GreetTablesPolicy"] == "CREATE_COMPLETE"
    finally:
        cloudformation.delete_stack(StackName=name)
