"""The retry state machine's paths, its tasks mocked (statemachine/test/comms.mock.json) and
run by the local cloud's Step Functions."""

from __future__ import annotations

import json

import pytest

from support.sfn_mocks import create_mocked_state_machine, run_succeeding_case, run_test_case

pytestmark = pytest.mark.localcloud
INPUT = {"communicationIds": ["c-1"], "itemConcurrency": 10, "window": "2026-11-29T12:15:00+00:00"}


@pytest.fixture(scope="module")
def state_machine(local_cloud) -> str:
    return create_mocked_state_machine("commsMockTests", "comms.asl.json")


def summarise_input(execution) -> dict:
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])
        for event in execution.events("TaskScheduled")
        if "Summarise" in event["taskScheduledEventDetails"]["parameters"]
    ]
    assert len(scheduled) == 1
    return scheduled[0]["Payload"]


def test_every_item_sent_publishes_the_success_notification(state_machine):
    execution = run_succeeding_case(state_machine, "commsAllSent", INPUT)
    assert "NotifySuccess" in execution.states_entered()
    assert "NotifyFailure" not in execution.states_entered()
    assert summarise_input(execution) == {
        "results": [{"id": "c-1", "outcome": "sent", "reason": ""}]
    }


def test_an_item_that_fails_is_caught_and_the_failure_notified(state_machine):
    batch = {**INPUT, "communicationIds": ["c-1", "c-2", "c-3"]}
    execution = run_test_case(state_machine, "commsItemFails", batch)
    # THEN every item's failure was caught for it alone, with its id and the reason
    assert summarise_input(execution) == {
        "results": [
            {"id": communication_id, "outcome": "error", "reason": "ResendFailed"}
            for communication_id in ("c-1", "c-2", "c-3")
        ]
    }
    entered = execution.states_entered()
    assert entered.count("RecordResendError") == 3
    assert "NotifyFailure" in entered and "NotifySuccess" not in entered
    assert (execution.status, execution.error) == ("FAILED", "CommunicationsNotSent")


def test_a_busy_lambda_is_retried(state_machine):
    execution = run_succeeding_case(state_machine, "commsLambdaRetriedThenSent", INPUT)
    assert execution.states_entered().count("ResendCommunication") == 1
    assert len(execution.events("TaskScheduled")) >= 3  # resend twice, summarise once
