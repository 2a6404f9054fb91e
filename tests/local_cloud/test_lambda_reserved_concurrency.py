"""AWS::Lambda::Function's ReservedConcurrentExecutions is applied by CloudFormation on the local
cloud (the community provider ignores it), changed and removed by stack updates."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client

CODE = "def handler(event, context):\n    return event\n"
# The function's role: Lambda may assume it; the function calls nothing.
ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    },
}


def _template(reserved: int | None) -> str:
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.13",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["LimitedRole", "Arn"]},
            "Code": {"ZipFile": CODE},
        },
    }
    if reserved is not None:
        function["Properties"]["ReservedConcurrentExecutions"] = reserved
    return json.dumps(
        {
            "Resources": {"Limited": function, "LimitedRole": ROLE},
            "Outputs": {"Name": {"Value": {"Ref": "Limited"}}},
        }
    )


def _wait(cloudformation, name: str, waiter: str) -> None:
    cloudformation.get_waiter(waiter).wait(
        StackName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 1200}
    )


def test_reserved_concurrency_follows_the_template(local_cloud):
    cloudformation, lambda_ = client("cloudformation"), client("lambda")
    name = f"reserved-{uuid.uuid4().hex[:6]}"

    # GIVEN a stack whose function reserves 3 concurrent executions
    cloudformation.create_stack(StackName=name, TemplateBody=_template(3))
    _wait(cloudformation, name, "stack_create_complete")
    outputs = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    function = outputs[0]["OutputValue"]

    # THEN Lambda holds the limit
    assert (
        lambda_.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 3
    )

    # WHEN an update changes it, and another removes it
    cloudformation.update_stack(StackName=name, TemplateBody=_template(5))
    _wait(cloudformation, name, "stack_update_complete")
    changed = lambda_.get_function_concurrency(FunctionName=function)
    cloudformation.update_stack(StackName=name, TemplateBody=_template(None))
    _wait(cloudformation, name, "stack_update_complete")
    removed = lambda_.get_function_concurrency(FunctionName=function)

    # THEN each is applied
    assert changed["ReservedConcurrentExecutions"] == 5
    assert "ReservedConcurrentExecutions" not in removed
    cloudformation.delete_stack(StackName=name)
    _wait(cloudformation, name, "stack_delete_complete")
