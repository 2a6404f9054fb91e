"""A `.sync` task's job when the task ends without it (localcloud/aws_behaviours/sfn_sync_tasks.py):
a child execution started with `states:startExecution.sync` (or `.sync:2`) is stopped when its
parent's task times out or its parent is stopped, as Step Functions stops it on AWS (the role
AWS documents for these tasks is granted `states:StopExecution` on the child's executions)."""

from __future__ import annotations

import json
import uuid

import pytest

from devkit.local_cloud import client, service_role, wait_for_execution, wait_until

SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
WAITS_LONG = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": True}}}


@pytest.fixture
def starts_children(local_cloud) -> str:
    """The role AWS documents for startExecution.sync: start the child machines (t-*), describe
    and stop their executions, keep the managed rule; nothing else."""
    arn = "arn:aws:states:us-east-1:000000000000"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": f"{arn}:stateMachine:t-*",
            },
            {
                "Effect": "Allow",
                "Action": ["states:DescribeExecution", "states:StopExecution"],
                "Resource": f"{arn}:execution:t-*",
            },
            {
                "Effect": "Allow",
                "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                "Resource": f"arn:aws:events:us-east-1:000000000000:rule/{SYNC_RULE}",
            },
        ],
    }
    return service_role(
        client("iam"), "local-cloud-test-starts-children", "states.amazonaws.com", policy
    )


def parent_of(child_machine: str, resource: str, **task) -> dict:
    return {
        "StartAt": "RunTheChild",
        "States": {
            "RunTheChild": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": child_machine, "Name": f"child-{uuid.uuid4()}"},
                "End": True,
                **task,
            }
        },
    }


def child_of(parent_execution: str) -> str:
    """The ARN of the child execution the parent's task started, once it started."""
    sfn = client("stepfunctions")

    def started():
        for event in sfn.get_execution_history(executionArn=parent_execution)["events"]:
            if event["type"] == "TaskSubmitted":
                return json.loads(event["taskSubmittedEventDetails"]["output"])["ExecutionArn"]
        return None

    return wait_until(started, 60, what="the child execution")


SYNC_RESOURCES = [
    "arn:aws:states:::states:startExecution.sync",
    "arn:aws:states:::states:startExecution.sync:2",
]


@pytest.mark.parametrize("resource", SYNC_RESOURCES)
@pytest.mark.parametrize("limit", [{"TimeoutSeconds": 2}, {"HeartbeatSeconds": 2}])
def test_a_child_is_stopped_when_its_parents_task_times_out(
    state_machine, starts_children, resource, limit
):
    # GIVEN a parent whose .sync task gives a ten-minute child 2 seconds (or 2 seconds between
    # heartbeats, which a child execution never sends)
    child_machine = state_machine(WAITS_LONG)
    parent = state_machine(parent_of(child_machine, resource, **limit), starts_children)
    # WHEN the parent runs
    execution = client("stepfunctions").start_execution(stateMachineArn=parent)["executionArn"]
    # THEN its task times out (States.HeartbeatTimeout for a missed heartbeat, as AWS names it)
    finished = wait_for_execution(execution, timeout=60)
    timeout = "States.HeartbeatTimeout" if "HeartbeatSeconds" in limit else "States.Timeout"
    assert (finished.status, finished.error) == ("FAILED", timeout)
    # AND the child it started is stopped, not left running
    assert wait_for_execution(child_of(execution), timeout=30).status == "ABORTED"


@pytest.mark.parametrize("resource", SYNC_RESOURCES)
def test_a_child_is_stopped_when_its_parent_is_stopped(state_machine, starts_children, resource):
    # GIVEN a parent waiting on a ten-minute child
    child_machine = state_machine(WAITS_LONG)
    parent = state_machine(parent_of(child_machine, resource), starts_children)
    sfn = client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    child = child_of(execution)
    # WHEN the parent is stopped
    sfn.stop_execution(executionArn=execution)
    # THEN so is the child
    assert wait_for_execution(child, timeout=30).status == "ABORTED"


def test_a_child_that_finishes_in_time_is_left_alone(state_machine, starts_children):
    # GIVEN a parent whose .sync:2 task gives a quick child a minute
    child_machine = state_machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    resource = SYNC_RESOURCES[1]
    parent = state_machine(parent_of(child_machine, resource, TimeoutSeconds=60), starts_children)
    # WHEN the parent runs
    execution = client("stepfunctions").start_execution(stateMachineArn=parent)["executionArn"]
    # THEN both succeed
    assert wait_for_execution(execution, timeout=60).status == "SUCCEEDED"
    assert wait_for_execution(child_of(execution)).status == "SUCCEEDED"
