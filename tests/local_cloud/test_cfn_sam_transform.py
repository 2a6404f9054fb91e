"""SAM templates deployed side by side are each transformed, as CloudFormation transforms them
(localcloud/aws_behaviours/cfn_sam_transform.py).

The race the plugin removes needs one transform to end between another's check of the region
and its first use of it; this test creates change sets side by side, but that ordering could
not be forced from outside: it passed without the plugin too, and stays as a guard."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from devkit.local_cloud import client, wait_until

SIDE_BY_SIDE = 6
# Enough functions that each transform takes a while, as a real application's does.
TEMPLATE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        f"Greeter{number}": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.13",
                "Handler": "index.handler",
                "InlineCode": "def handler(event, context):\n    return 'hello'\n",
            },
        }
        for number in range(40)
    },
}


@pytest.fixture
def stack_names(local_cloud) -> Iterator[list[str]]:
    names = [f"t-transform-{uuid.uuid4().hex[:8]}" for _ in range(SIDE_BY_SIDE)]
    yield names
    cfn = client("cloudformation")
    for name in names:
        with contextlib.suppress(cfn.exceptions.ClientError):
            cfn.delete_stack(StackName=name)


def test_sam_change_sets_created_side_by_side_are_all_transformed(stack_names):
    # GIVEN a SAM template, and stacks to be made from it
    cfn = client("cloudformation")

    # WHEN a change set is created for each, all at once (as parallel deploys do)
    def create(name: str) -> str:
        return cfn.create_change_set(
            StackName=name,
            ChangeSetName="deploy",
            ChangeSetType="CREATE",
            TemplateBody=json.dumps(TEMPLATE),
            Capabilities=["CAPABILITY_IAM"],
        )["Id"]

    with ThreadPoolExecutor(SIDE_BY_SIDE) as pool:
        change_sets = list(pool.map(create, stack_names))

    def settled(change_set: str) -> dict | None:
        described = cfn.describe_change_set(ChangeSetName=change_set)
        return described if described["Status"] in ("CREATE_COMPLETE", "FAILED") else None

    outcomes = [
        wait_until(lambda c=c: settled(c), 60, what="the change set to be created")
        for c in change_sets
    ]

    # THEN every change set is created, none failing its transform
    assert [(o["Status"], o.get("StatusReason")) for o in outcomes] == [
        ("CREATE_COMPLETE", o.get("StatusReason")) for o in outcomes
    ]
