"""A claim is a lease: an attempt whose holder died is taken again once the lease lapsed (by a
redelivery, a re-send, or the sweeper), never while it runs, and never by another attempt."""

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from devkit.local_cloud import PROJECT
from support.events import sample_event
from support.handlers import fresh
from support.template import read_template
from unit.comms.comms_testkit import (
    DEAD_LETTER_QUEUE,
    QUEUE,
    SENDER,
    TABLE,
    api_event,
    emails_sent,
    put_communication,
    queued_messages,
    record,
    sqs_event,
)

NAMESPACE = "comms-unit"


def message(attempt: int = 1) -> dict:
    return {
        "primaryId": "c-1",
        "operation": "send.communications",
        "createdBy": "ops",
        "created": "2026-11-29T12:00:00.000Z",
        "attempt": attempt,
    }


@pytest.fixture
def communications(aws):
    from comms.dal import communications

    return communications


@pytest.fixture
def clock(communications, monkeypatch):
    """The claims' clock, moved on by hand: `clock.advance(seconds)`."""

    class Clock:
        now = communications.now_epoch()

        def advance(self, seconds: int) -> None:
            self.now += seconds

    moved = Clock()
    monkeypatch.setattr(communications, "now_epoch", lambda: moved.now)
    return moved


@pytest.fixture
def reclaim(aws, monkeypatch):
    monkeypatch.setenv("COMMS_METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("COMMS_REQUEUE_TTL_SECONDS", "0")  # dead-letter messages readable at once
    return fresh("comms.handlers.reclaim")


def claimed_by_a_dead_worker(communications, status: str = "SENDING", **fields) -> None:
    """The record as an invocation that died after its claim leaves it, its lease lapsed."""
    lapsed = communications.now_epoch() - 1
    put_communication(status=status, claimedAttempt=1, settleBy=lapsed, **fields)


def lease() -> int:
    from comms.dal.communications import CLAIM_LEASE_SECONDS

    return CLAIM_LEASE_SECONDS


# The claim


def test_the_same_attempt_is_claimed_again_only_once_its_lease_lapsed(communications, clock):
    put_communication()

    def claim() -> bool:
        return communications.claim(TABLE, "c-1", 1, ("QUEUED",), "SENDING")

    assert claim()
    clock.advance(lease() - 1)
    assert not claim()
    clock.advance(2)
    assert claim()
    assert record("c-1")["settleBy"] == clock.now + lease()


def test_another_attempt_never_takes_a_lapsed_claim(communications, clock):
    put_communication(status="SENDING", claimedAttempt=2, settleBy=clock.now - 1)
    for attempt in (1, 3):
        assert not communications.claim(TABLE, "c-1", attempt, ("QUEUED", "RETRYING"), "SENDING")
    assert record("c-1")["claimedAttempt"] == 2


def test_the_lease_outlasts_every_function_that_claims_and_fits_the_queues_redelivery():
    template = read_template(PROJECT / "functions/comms/template.yaml")
    resources = template["Resources"]
    default = template["Globals"]["Function"]["Timeout"]
    claimers = [
        resources[name]["Properties"].get("Timeout", default)
        for name in ("CommsWorkerFunction", "CommsApiFunction")
    ]
    # A lapsed lease means its holder stopped running: no function that claims runs this long.
    assert all(lease() > timeout for timeout in claimers)
    # A message claimed late in its batch is redelivered after the lease lapsed, not before.
    worker_timeout = resources["CommsWorkerFunction"]["Properties"]["Timeout"]
    visibility = resources["CommsQueue"]["Properties"]["VisibilityTimeout"]
    assert worker_timeout + lease() <= visibility


# The worker


def test_a_worker_that_died_after_its_claim_is_redelivered_and_sent_once_the_lease_lapsed(
    worker, lambda_context, clock, monkeypatch
):
    # GIVEN an email and a sender SES accepts
    put_communication()
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    # WHEN the first delivery dies after its claim (the provider call never returns)
    import comms.attempts

    def dies(*args):
        raise TimeoutError("the invocation timed out")

    with monkeypatch.context() as dying:
        dying.setattr(comms.attempts, "send", dies)
        with pytest.raises(BatchProcessingError):  # its only message failed: SQS keeps it
            worker.handler(sqs_event(message()), lambda_context)
    # THEN a redelivery inside the lease is handed back to SQS, not deleted, and sends nothing
    # (its batch-mate, another communication, is sent)
    put_communication(id="c-2")
    other = {**message(), "primaryId": "c-2"}
    answer = worker.handler(sqs_event(message(), other), lambda_context)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert emails_sent() == 1 and record("c-1")["status"] == "SENDING"
    # AND the redelivery after the lease lapsed sends it, once
    clock.advance(lease() + 1)
    assert worker.handler(sqs_event(message()), lambda_context) == {"batchItemFailures": []}
    assert emails_sent() == 2
    stored = record("c-1")
    assert (stored["status"], stored["sent"], stored["attempts"]) == ("SENT", 1, 1)
    assert "settleBy" not in stored


def test_a_refused_attempt_is_due_back_after_the_ttl_and_a_lease(worker, lambda_context, clock):
    put_communication()
    worker.handler(sqs_event(message()), lambda_context)
    assert record("c-1")["settleBy"] == clock.now + 5 + lease()  # the unit TTL is 5 s


# The re-send endpoint


def test_a_re_send_whose_holder_died_is_taken_again_once_the_lease_lapsed(
    api, lambda_context, communications, clock
):
    # GIVEN attempt 4 claimed by a re-send that died
    put_communication(status="RESENDING", attempts=3, claimedAttempt=4, settleBy=clock.now + 10)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    send = api_event("POST", "/communications/c-1/send")
    # WHEN it is asked again inside the lease THEN it is refused as before, nothing is sent
    answer = api.handler(send, lambda_context)
    assert answer["statusCode"] == 409
    assert json.loads(answer["body"])["status"] == "RESENDING" and emails_sent() == 0
    # WHEN it is asked again after the lease THEN attempt 4 is sent
    clock.advance(11)
    answer = api.handler(send, lambda_context)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"id": "c-1", "attempt": 4, "status": "SENT", "sent": 1}
    assert emails_sent() == 1


# The sweeper


def test_a_lost_send_becomes_a_failed_attempt_and_goes_round_the_retry_path(
    reclaim, requeue, worker, lambda_context, communications
):
    # GIVEN attempt 1 claimed by a worker that died, its message gone
    claimed_by_a_dead_worker(communications)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    # WHEN the sweeper runs
    assert reclaim.handler(sample_event("comms-reclaim"), lambda_context) == {
        "lapsed": 1,
        "returned": 1,
    }
    # THEN it is a failed attempt, its message in the dead-letter queue
    stored = record("c-1")
    assert (stored["status"], stored["attempts"], stored["lastError"]) == (
        "RETRYING",
        1,
        "AttemptLost",
    )
    [dead_letter] = queued_messages(DEAD_LETTER_QUEUE)
    assert dead_letter == message(attempt=1)
    # AND the requeue and the worker send it as attempt 2
    requeue.handler(sqs_event(dead_letter), lambda_context)
    [next_attempt] = queued_messages(QUEUE)
    worker.handler(sqs_event(next_attempt), lambda_context)
    stored = record("c-1")
    assert (stored["status"], stored["sent"], stored["attempts"]) == ("SENT", 1, 2)
    assert emails_sent() == 1


def test_a_claim_still_inside_its_lease_is_left_alone(reclaim, lambda_context, communications):
    put_communication(status="SENDING", claimedAttempt=1, settleBy=communications.now_epoch() + 60)
    assert reclaim.handler({}, lambda_context) == {"lapsed": 0, "returned": 0}
    assert record("c-1")["status"] == "SENDING" and queued_messages(DEAD_LETTER_QUEUE) == []


def test_a_claim_from_before_leases_counts_as_lapsed(reclaim, lambda_context):
    put_communication(status="SENDING", claimedAttempt=1)
    assert reclaim.handler({}, lambda_context)["returned"] == 1
    assert record("c-1")["status"] == "RETRYING"


@pytest.mark.parametrize(("claimed", "settled"), [(4, "FAILED"), (5, "MANUAL")])
def test_a_lost_re_send_is_settled_as_a_refused_one(
    reclaim, api, lambda_context, communications, claimed, settled
):
    # GIVEN a re-send of attempt `claimed` whose holder died (the manual threshold is 5)
    claimed_by_a_dead_worker(communications, "RESENDING", attempts=claimed - 1)
    boto3.resource("dynamodb").Table(TABLE).update_item(
        Key={"id": "c-1"},
        UpdateExpression="SET claimedAttempt = :n",
        ExpressionAttributeValues={":n": claimed},
    )
    # WHEN the sweeper runs THEN it is FAILED (or MANUAL), counting the lost attempt
    reclaim.handler({}, lambda_context)
    stored = record("c-1")
    assert (stored["status"], stored["attempts"], stored["lastError"]) == (
        settled,
        claimed,
        "AttemptLost",
    )
    # AND a FAILED one's next re-send claims the next attempt and sends it
    if settled == "FAILED":
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        answer = api.handler(api_event("POST", "/communications/c-1/send"), lambda_context)
        assert json.loads(answer["body"])["attempt"] == claimed + 1
        assert emails_sent() == 1


def test_a_retrying_whose_dead_letter_was_lost_gets_it_again_once(
    reclaim, lambda_context, communications
):
    # GIVEN attempt 2 refused long ago, its dead-letter message lost
    put_communication(
        status="RETRYING", attempts=2, claimedAttempt=2, settleBy=communications.now_epoch() - 1
    )
    # WHEN the sweeper runs, twice
    assert reclaim.handler({}, lambda_context)["returned"] == 1
    assert reclaim.handler({}, lambda_context) == {"lapsed": 0, "returned": 0}
    # THEN the message is in the dead-letter queue once, and it is due again later
    assert queued_messages(DEAD_LETTER_QUEUE) == [message(attempt=2)]
    assert record("c-1")["settleBy"] > communications.now_epoch()


def test_what_the_sweeper_found_is_a_metric_of_the_stacks_namespace(
    reclaim, lambda_context, communications
):
    claimed_by_a_dead_worker(communications)
    reclaim.handler({}, lambda_context)
    [metric] = boto3.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert metric["MetricName"] == "LapsedCommunications"
    template = read_template(PROJECT / "functions/comms/template.yaml")["Resources"]
    alarm = template["CommsLapsedCommunicationsAlarm"]["Properties"]
    function = template["CommsReclaimFunction"]["Properties"]
    assert (alarm["MetricName"], alarm["Threshold"]) == (metric["MetricName"], 0)
    assert alarm["Namespace"] == function["Environment"]["Variables"]["COMMS_METRICS_NAMESPACE"]
    assert alarm["AlarmActions"] == ["OperationsTopic"]


def test_a_sweep_reads_a_bounded_number_of_pages_and_the_next_takes_the_rest(
    reclaim, lambda_context, communications, monkeypatch
):
    for index in range(3):
        put_communication(id=f"c-{index}", status="SENDING", claimedAttempt=1, settleBy=0)
    monkeypatch.setattr(communications, "LAPSED_PAGE", 1)
    monkeypatch.setattr(reclaim, "MAX_PAGES", 2)
    assert reclaim.handler({}, lambda_context) == {"lapsed": 2, "returned": 2}
    assert reclaim.handler({}, lambda_context) == {"lapsed": 1, "returned": 1}
    assert len(queued_messages(DEAD_LETTER_QUEUE)) == 3


# A communication stored whose message never reached the queue


def test_a_communication_whose_message_was_never_queued_is_queued_by_the_sweeper_once(
    api, reclaim, worker, lambda_context, communications, clock
):
    # GIVEN the queue is gone when the API stores a communication
    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])
    body = {"type": "email", "recipient": "customer@example.com", "subject": "S", "body": "B"}
    answer = api.handler(api_event("POST", "/communications", body), lambda_context)
    # THEN it is accepted and stored QUEUED: not lost, though its message is
    assert answer["statusCode"] == 202
    communication_id = json.loads(answer["body"])["id"]
    assert record(communication_id)["status"] == "QUEUED"
    sqs.create_queue(QueueName=QUEUE)
    # AND a sweep inside its lease leaves it alone
    assert reclaim.handler({}, lambda_context) == {"lapsed": 0, "returned": 0}
    # WHEN the sweeper runs after the lease, twice
    from comms.dal.communications import QUEUED_LEASE_SECONDS

    clock.advance(QUEUED_LEASE_SECONDS + 1)
    assert reclaim.handler({}, lambda_context) == {"lapsed": 1, "returned": 1}
    assert reclaim.handler({}, lambda_context) == {"lapsed": 0, "returned": 0}
    # THEN its message is queued once, and the worker sends it as attempt 1
    [queued] = queued_messages(QUEUE)
    assert (queued["primaryId"], queued["attempt"]) == (communication_id, 1)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    worker.handler(sqs_event(queued), lambda_context)
    stored = record(communication_id)
    assert (stored["status"], stored["sent"], stored["attempts"]) == ("SENT", 1, 1)
    assert emails_sent() == 1
