"""Faults injected for real on the local cloud: the decisions topic deleted under a running
screening. The publish is retried, then the Catch path records the failure on the application
in the applications table, naming the step, beside its decision (recorded once)."""

from __future__ import annotations

import pytest
import requests

from devkit.local_cloud import client, wait_for_execution, wait_until
from prescreening.sandbox import sample_application

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30


@pytest.fixture
def decisions_topic_deleted(stack_outputs):
    """The decisions topic, deleted; created again (same name, same ARN) afterwards."""
    sns = client("sns")
    topic = stack_outputs["DecisionsTopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    sns.delete_topic(TopicArn=topic)
    yield topic
    recreated = sns.create_topic(
        Name=topic.rsplit(":", 1)[-1],
        Attributes={k: v for k, v in attributes.items() if k in {"DisplayName", "Policy"}},
    )
    assert recreated["TopicArn"] == topic


def test_a_deleted_topic_is_retried_then_the_application_is_failed_naming_the_publish(
    stack_outputs, decisions_topic_deleted
):
    api = stack_outputs["ApiUrl"]
    # GIVEN the decisions topic is gone
    # WHEN an application is submitted and screened
    submission = sample_application("approve")
    del submission["applicationId"]
    response = requests.post(f"{api}/applications", json=submission, timeout=HTTP_TIMEOUT)
    assert response.status_code == 202, response.text
    application_id = response.json()["applicationId"]
    machine = stack_outputs["PreScreeningStateMachineArn"]
    arn = machine.replace(":stateMachine:", ":execution:") + f":PreScreening-{application_id}"
    sfn = client("stepfunctions")

    def started():
        try:
            return sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None

    wait_until(started, 60, interval=0.5, what="the screening")
    execution = wait_for_execution(arn, 120)
    # THEN the publish was tried four times (three retries), each refused by SNS
    entered = execution.states_entered()
    assert entered.count("PublishDecision") == 1
    failures = [
        event["taskFailedEventDetails"]
        for event in execution.events("TaskFailed")
        if event["taskFailedEventDetails"].get("resource") == "publish"
    ]
    assert len(failures) == 4, failures
    # AND the Catch path recorded the failure: the execution failed, and the application's
    # record in its table names the step and the error (never a stack trace) beside its
    # decision, which was recorded once before the publish and stands
    assert entered[-4:] == [
        "PublishDecisionFailed",
        "RecordFailure",
        "RecordFailureOfDecided",
        "ScreeningFailed",
    ]
    assert execution.status == "FAILED"
    found = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT).json()
    assert (found["status"], found["decision"]) == ("decided", "approve")
    assert found["failure"]["state"] == "PublishDecision"
    assert found["failedAt"]
    assert "Traceback" not in str(found)
    assert entered.count("RecordDecision") == 1
