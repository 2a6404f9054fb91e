"""`arn:aws:states:::apigateway:invoke` tasks written for AWS (the API's AWS host name, the stage
as a field or in the path) reach the local API (localcloud/aws_behaviours/sfn_api_gateway_tasks.py),
over the small fixture API of tests/local_cloud/fixture_api."""

from __future__ import annotations

import json

import pytest

from devkit.local_cloud import client, wait_for_execution


@pytest.fixture(scope="module")
def fixture_api(deploy_fixture) -> dict[str, str]:
    return deploy_fixture("api")


def invoke_definition(endpoint: str, **parameters) -> dict:
    return {
        "StartAt": "CallApi",
        "States": {
            "CallApi": {
                "Type": "Task",
                "Resource": "arn:aws:states:::apigateway:invoke",
                "Parameters": {"ApiEndpoint": endpoint, "Method": "GET", **parameters},
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    "where_the_stage_is",
    [{"Stage": "test", "Path": "/open"}, {"Path": "test/open"}, {"Path": "/test/open"}],
    ids=["stage-field", "stage-in-path", "stage-in-absolute-path"],
)
def test_a_task_naming_the_api_by_its_aws_host_reaches_the_local_api(
    fixture_api, state_machine, where_the_stage_is
):
    # GIVEN a task naming the API as on AWS: <api id>.execute-api.<region>.amazonaws.com
    host = f"{fixture_api['GuardedApiId']}.execute-api.us-east-1.amazonaws.com"
    arn = state_machine(invoke_definition(host, **where_the_stage_is))
    # WHEN it runs
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    # THEN the method answered, in the task's output shape
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["StatusCode"] == 200
    assert execution.output["StatusText"] == "OK"
    assert execution.output["ResponseBody"] == {"path": "/open", "authorizer": None}


def test_a_method_refusing_the_call_fails_the_task_with_its_status(fixture_api, state_machine):
    # GIVEN a task calling a guarded method without a token
    host = f"https://{fixture_api['GuardedApiId']}.execute-api.us-east-1.amazonaws.com"
    arn = state_machine(invoke_definition(host, Stage="test", Path="orders"))
    # WHEN it runs
    execution = wait_for_execution(
        client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    )
    # THEN the task failed with API Gateway's status, its body the cause
    assert execution.status == "FAILED"
    assert execution.error == "ApiGateway.401"
    assert json.loads(execution.cause) == {"message": "Unauthorized"}
