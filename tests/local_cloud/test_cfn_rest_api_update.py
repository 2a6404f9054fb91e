"""A route change reaches a deployed REST API as CloudFormation applies it on AWS: the API takes
its new body, its stage moves to the new deployment in place, a stage whose API did not change
is left alone (localcloud/aws_behaviours/cfn_rest_api_update.py).

The fixture (tests/local_cloud/fixture_routes) is deployed, one route's path is renamed (a route
removed and another added, as editing a routes file does), and it is deployed again."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from devkit import stack as stack_tool
from devkit.local_cloud import PROJECT, client, endpoint

FIXTURE = Path(__file__).parent / "fixture_routes"
HTTP_TIMEOUT = 30


def answer(api_id: str, path: str) -> requests.Response:
    return requests.get(f"{endpoint()}/_aws/execute-api/{api_id}/test{path}", timeout=HTTP_TIMEOUT)


def stage(api_id: str) -> dict:
    return client("apigateway").get_stage(restApiId=api_id, stageName="test")


@pytest.fixture
def stack_name(local_cloud) -> str:
    name = f"local-cloud-fixture-routes-{uuid.uuid4().hex[:8]}"
    yield name
    with contextlib.suppress(client("cloudformation").exceptions.ClientError):
        client("cloudformation").delete_stack(StackName=name)


def deploy(stack_name: str, folder: Path) -> dict[str, str]:
    return stack_tool.deploy_local(
        stack_name=stack_name,
        template=folder / "template.yaml",
        build_dir=PROJECT / ".aws-sam" / "fixture-routes-build",
    )


def test_a_route_change_updates_the_deployed_api_and_its_stage_in_place(stack_name, tmp_path):
    # GIVEN the fixture deployed, its changing route answering
    app = tmp_path / "app"
    shutil.copytree(FIXTURE, app)
    outputs = deploy(stack_name, app)
    routed, steady = outputs["RoutedApiId"], outputs["SteadyApiId"]
    assert answer(routed, "/before").json() == {"path": "/before"}
    routed_stage, steady_stage = stage(routed), stage(steady)

    # WHEN the route's path is changed and the application deployed again
    template = app / "template.yaml"
    text = template.read_text()
    assert text.count("Path: /before") == 1
    template.write_text(text.replace("Path: /before", "Path: /after"))
    deploy(stack_name, app)  # raises if the update fails (sam deploy's exit status)

    # THEN the update completed, the same stage serving the new deployment: the new route
    # answers, the removed one is gone and the kept one stays
    stack = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    moved = stage(routed)
    assert moved["createdDate"] == routed_stage["createdDate"]
    assert moved["deploymentId"] != routed_stage["deploymentId"]
    assert answer(routed, "/after").json() == {"path": "/after"}
    assert answer(routed, "/kept").json() == {"path": "/kept"}
    assert answer(routed, "/before").status_code == 403  # API Gateway: no such route
    # AND the API whose routes did not change kept its deployment
    assert stage(steady)["deploymentId"] == steady_stage["deploymentId"]
    assert answer(steady, "/steady").json() == {"path": "/steady"}
