"""A state machine whose definition CloudFormation reads from S3 as YAML is created and runs, as
on AWS (localcloud/aws_behaviours/sfn_yaml_definitions.py)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client, wait_for_execution

YAML_DEFINITION = """\
Comment: a definition written in YAML, as SAM's DefinitionUri files often are
StartAt: Greet
States:
  Greet:
    Type: Pass
    Parameters:
      greeting: ${Greeting}
      who.$: $.who
    End: true
"""


def test_a_yaml_definition_in_s3_makes_a_working_state_machine(pass_only_machine_role):
    # GIVEN a YAML definition in S3 with a substitution, and a stack naming it
    s3, cloudformation = client("s3"), client("cloudformation")
    run = uuid.uuid4().hex[:8]
    bucket, stack = f"yaml-definitions-{run}", f"yaml-definition-{run}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="greet.asl.yaml", Body=YAML_DEFINITION.encode())
    template = {
        "Resources": {
            "Greeter": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": pass_only_machine_role,
                    "DefinitionS3Location": {"Bucket": bucket, "Key": "greet.asl.yaml"},
                    "DefinitionSubstitutions": {"Greeting": "hello"},
                },
            }
        },
        "Outputs": {"Arn": {"Value": {"Ref": "Greeter"}}},
    }

    # WHEN the stack is created
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    try:
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=stack, WaiterConfig={"Delay": 0.1, "MaxAttempts": 900}
        )
        (output,) = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]

        # THEN its state machine runs the definition, substitution applied
        execution = wait_for_execution(
            client("stepfunctions").start_execution(
                stateMachineArn=output["OutputValue"], input=json.dumps({"who": run})
            )["executionArn"]
        )
        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.output == {"greeting": "hello", "who": run}
    finally:
        cloudformation.delete_stack(StackName=stack)
