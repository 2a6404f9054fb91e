"""Communications whose sender died mid-attempt, on the local cloud: the deployed sweeper
(CommsReclaimFunction) returns each to the retry path, and the real queues, requeue, worker,
schedule (fired by moving the local cloud's clock) and retry workflow take it from there to
SENT. SMS to a valid number: the email tests turn the SES sender off and on, and these must not
depend on it."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from e2e.comms.comms_e2e_kit import POLL_SECONDS, after_schedule_firings, record, sms_by_number

from devkit import stack as stack_tool
from devkit.local_cloud import client, wait_until
from devkit.stack import LOCAL_STACK_NAME

pytestmark = pytest.mark.localcloud
QUEUE_PHASE_SECONDS = 60  # the dead-letter delay (1 s locally), the requeue and the worker
# The queue's visibility timeout (180 s) before SQS redelivers, past the claim's lease (120 s).
REDELIVERY = "PT3M5S"


def stored_sms(outputs: dict, recipient: dict, **fields: dict) -> str:
    """An SMS put straight into the real table (its attributes in DynamoDB's form); its id."""
    communication_id = str(uuid.uuid4())
    client("dynamodb").put_item(
        TableName=outputs["CommunicationsTableName"],
        Item={
            "id": {"S": communication_id},
            "type": {"S": "sms"},
            "recipient": recipient,
            "body": {"S": "Your statement is ready."},
            "createdBy": {"S": "ops"},
            "created": {"S": "2026-11-29T12:00:00.000Z"},
            "status": {"S": "QUEUED"},
            "sent": {"N": "0"},
            "attempts": {"N": "0"},
            **fields,
        },
    )
    return communication_id


def new_number() -> str:
    return f"+1555{uuid.uuid4().int % 10**7:07d}"


def crashed_sms(outputs: dict, status: str, claimed_attempt: int, attempts: int) -> tuple[str, str]:
    """A communication as an invocation that died after its claim leaves it: claimed
    (`status`) for `claimed_attempt`, its lease lapsed a second ago. Its id and number."""
    number = new_number()
    communication_id = stored_sms(
        outputs,
        {"S": number},
        status={"S": status},
        attempts={"N": str(attempts)},
        claimedAttempt={"N": str(claimed_attempt)},
        settleBy={"N": str(int(time.time()) - 1)},
    )
    return communication_id, number


def lost_attempt(outputs: dict, communication_id: str) -> tuple[str, str]:
    """The record's status and attempts once the sweeper counted its lost attempt as failed."""
    stored = record(outputs, communication_id)
    assert stored["lastError"] == "AttemptLost"
    return stored["status"], stored["attempts"]


def sent_once(outputs: dict, communication_id: str, number: str, attempt: str) -> None:
    assert record(outputs, communication_id)["attempts"] == attempt
    assert sms_by_number()[number] == 1


def sweep() -> None:
    """Run the sweeper now. Its schedule may have run it first (a move of the local cloud's
    clock fires it): what it returned is judged by the record, not by this run's count."""
    answer = client("lambda").invoke(FunctionName=stack_tool.physical_id("CommsReclaimFunction"))
    assert "FunctionError" not in answer, answer["Payload"].read()


def test_a_worker_that_failed_after_its_claim_is_redelivered_and_sends_once_the_lease_lapsed(
    stack_outputs, move_clock
):
    # GIVEN an SMS whose stored number the provider call cannot take (a number, not text: the
    # SNS client refuses the call before sending), and its message on the real queue
    number = new_number()
    communication_id = stored_sms(stack_outputs, {"N": number.removeprefix("+")})
    message = {
        "primaryId": communication_id,
        "operation": "send.communications",
        "createdBy": "ops",
        "created": "2026-11-29T12:00:00.000Z",
        "attempt": 1,
    }
    client("sqs").send_message(
        QueueUrl=stack_outputs["CommunicationsQueueUrl"], MessageBody=json.dumps(message)
    )
    # WHEN the worker claims it and its provider call fails (the attempt is left SENDING)
    wait_until(
        lambda: record(stack_outputs, communication_id)["status"] == "SENDING",
        timeout=QUEUE_PHASE_SECONDS,
        interval=POLL_SECONDS,
        what=f"{communication_id} claimed by the worker",
    )
    # AND the number is put right
    client("dynamodb").update_item(
        TableName=stack_outputs["CommunicationsTableName"],
        Key={"id": {"S": communication_id}},
        UpdateExpression="SET recipient = :number",
        ExpressionAttributeValues={":number": {"S": number}},
    )
    # AND the queue's visibility timeout passes, and with it the claim's lease (SQS and the
    # functions are on the local cloud's clock)
    move_clock(REDELIVERY)
    # THEN the message SQS delivers again, after the claim's lease, sends it, once (or the
    # sweeper, on its schedule, returns it first: then it goes as attempt 2)
    wait_until(
        lambda: record(stack_outputs, communication_id)["status"] == "SENT",
        timeout=QUEUE_PHASE_SECONDS,
        interval=POLL_SECONDS,
        what=f"{communication_id} SENT after its lease lapsed",
    )
    assert sms_by_number()[number] == 1


def test_a_send_whose_worker_died_is_sent_as_the_next_attempt(stack_outputs):
    # GIVEN an SMS claimed by a worker that died, its message long gone
    communication_id, number = crashed_sms(stack_outputs, "SENDING", 1, 0)
    # WHEN the sweeper runs
    sweep()
    # THEN the lost attempt counts as failed, and the alarm's metric has heard of it
    # (the dead-letter delay is 1 s locally)
    assert lost_attempt(stack_outputs, communication_id) == ("RETRYING", "1")
    metrics = client("cloudwatch").list_metrics(Namespace=LOCAL_STACK_NAME)["Metrics"]
    assert "LapsedCommunications" in {metric["MetricName"] for metric in metrics}
    # AND the dead-letter queue, the requeue and the worker send it as attempt 2, once
    wait_until(
        lambda: record(stack_outputs, communication_id)["status"] == "SENT",
        timeout=QUEUE_PHASE_SECONDS,
        interval=POLL_SECONDS,
        what=f"{communication_id} SENT through the queue",
    )
    sent_once(stack_outputs, communication_id, number, attempt="2")


def test_a_re_send_that_died_is_failed_and_re_sent_by_the_retry_workflow(stack_outputs, move_clock):
    # GIVEN an SMS whose re-send (attempt 4) died after its claim
    communication_id, number = crashed_sms(stack_outputs, "RESENDING", 4, 3)
    # WHEN the sweeper runs THEN attempt 4 counts as failed: FAILED, for the retry workflow
    sweep()
    stored = record(stack_outputs, communication_id)
    # (the every-minute schedule may already have swept it and re-sent it: SENT, lastError gone)
    if stored["status"] != "SENT":
        assert lost_attempt(stack_outputs, communication_id) == ("FAILED", "4")
    # AND the real schedule's retry workflow re-sends it as attempt 5, once
    after_schedule_firings(
        move_clock,
        lambda: record(stack_outputs, communication_id)["status"] == "SENT",
        what=f"{communication_id} re-sent by the schedule",
    )
    sent_once(stack_outputs, communication_id, number, attempt="5")


def test_a_communication_whose_message_never_reached_the_queue_is_queued_and_sent(
    stack_outputs,
):
    # GIVEN an SMS stored QUEUED whose message never went out, its settleBy passed
    number = new_number()
    communication_id = stored_sms(
        stack_outputs, {"S": number}, settleBy={"N": str(int(time.time()) - 1)}
    )
    # WHEN the sweeper runs
    sweep()
    # THEN its message is queued, and the real worker sends it as attempt 1, once
    wait_until(
        lambda: record(stack_outputs, communication_id)["status"] == "SENT",
        timeout=QUEUE_PHASE_SECONDS,
        interval=POLL_SECONDS,
        what=f"{communication_id} SENT through the queue",
    )
    sent_once(stack_outputs, communication_id, number, attempt="1")
