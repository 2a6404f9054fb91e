"""The queue's worker and the dead-letter queue's requeue: status changes, once per attempt."""

import boto3

from support.handlers import fresh
from unit.comms.comms_testkit import (
    DEAD_LETTER_QUEUE,
    QUEUE,
    SENDER,
    emails_sent,
    put_communication,
    queued_messages,
    record,
    sqs_event,
)


def message(attempt: int = 1, primary_id: str = "c-1") -> dict:
    return {
        "primaryId": primary_id,
        "operation": "send.communications",
        "createdBy": "ops",
        "created": "2026-11-29T12:00:00.000Z",
        "attempt": attempt,
    }


def test_a_sent_email_sets_the_sent_flag(worker, lambda_context):
    put_communication()
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    answer = worker.handler(sqs_event(message()), lambda_context)
    assert answer == {"batchItemFailures": []}
    stored = record("c-1")
    assert (stored["status"], stored["sent"], stored["attempts"]) == ("SENT", 1, 1)
    assert emails_sent() == 1


def test_a_refused_email_goes_to_the_dead_letter_queue(worker, lambda_context):
    # GIVEN an email whose sender SES has not verified
    put_communication()
    # WHEN the worker tries it
    answer = worker.handler(sqs_event(message()), lambda_context)
    # THEN the message is done here and waits the requeue TTL in the dead-letter queue
    assert answer == {"batchItemFailures": []}
    assert delayed(DEAD_LETTER_QUEUE) == 1 and queued_messages(DEAD_LETTER_QUEUE) == []
    # AND the record says why
    stored = record("c-1")
    assert (stored["status"], stored["sent"], stored["attempts"]) == ("RETRYING", 0, 1)
    assert stored["lastError"] == "MessageRejected"


def delayed(queue: str) -> int:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


def test_a_refused_sms_goes_to_the_dead_letter_queue(worker, lambda_context, monkeypatch):
    monkeypatch.setenv("COMMS_REQUEUE_TTL_SECONDS", "0")
    worker = fresh("comms.handlers.worker")
    put_communication(type="sms", recipient="07700 900123", subject=None)
    worker.handler(sqs_event(message()), lambda_context)
    assert record("c-1")["lastError"] == "InvalidParameter"
    assert queued_messages(DEAD_LETTER_QUEUE) == [message(1)]


def test_a_valid_sms_is_sent(worker, lambda_context):
    put_communication(type="sms", recipient="+15555550100", subject=None)
    worker.handler(sqs_event(message()), lambda_context)
    assert record("c-1")["sent"] == 1


def test_the_same_attempt_delivered_twice_is_sent_once(worker, lambda_context):
    # GIVEN SQS delivers one message twice (at-least-once), even in one batch
    put_communication()
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    worker.handler(sqs_event(message(), message()), lambda_context)
    worker.handler(sqs_event(message()), lambda_context)
    # THEN one email went out
    assert emails_sent() == 1
    assert record("c-1")["attempts"] == 1


def test_an_older_attempt_arriving_late_is_not_sent(worker, lambda_context):
    put_communication(status="RETRYING", attempts=2, claimedAttempt=2)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    worker.handler(sqs_event(message(attempt=2)), lambda_context)
    assert emails_sent() == 0
    worker.handler(sqs_event(message(attempt=3)), lambda_context)
    assert emails_sent() == 1 and record("c-1")["attempts"] == 3


def test_a_malformed_message_is_reported_failed_not_lost(worker, lambda_context):
    # GIVEN a batch with a good message and a malformed one
    put_communication()
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    batch = sqs_event(message(), {"operation": "send.communications"})
    # THEN only the malformed one goes back to SQS (its redrive policy dead-letters it)
    answer = worker.handler(batch, lambda_context)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert record("c-1")["sent"] == 1


def test_a_failed_attempt_is_requeued_as_the_next_until_the_last(requeue, lambda_context):
    put_communication(status="RETRYING", attempts=1)
    requeue.handler(sqs_event(message(attempt=1)), lambda_context)
    assert queued_messages(QUEUE) == [message(attempt=2)]
    assert record("c-1")["status"] == "RETRYING"


def test_the_last_queue_attempt_makes_it_failed(requeue, lambda_context):
    put_communication(status="RETRYING", attempts=3)
    requeue.handler(sqs_event(message(attempt=3)), lambda_context)
    assert queued_messages(QUEUE) == []
    assert record("c-1")["status"] == "FAILED"


def test_a_queue_failure_at_the_threshold_makes_it_manual(requeue, lambda_context, monkeypatch):
    monkeypatch.setenv("COMMS_MANUAL_THRESHOLD", "3")
    requeue = fresh("comms.handlers.requeue")
    put_communication(status="RETRYING", attempts=3)
    requeue.handler(sqs_event(message(attempt=3)), lambda_context)
    assert record("c-1")["status"] == "MANUAL"


def test_an_attempt_the_worker_never_finished_is_tried_again(requeue, worker, lambda_context):
    # GIVEN attempt 1 claimed but never finished (the worker crashed on every delivery, so the
    # queue's redrive policy dead-lettered the message)
    put_communication(status="SENDING", attempts=0, claimedAttempt=1)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    # WHEN the requeue takes it THEN attempt 2 is queued and the worker can send it
    requeue.handler(sqs_event(message(attempt=1)), lambda_context)
    [next_attempt] = queued_messages(QUEUE)
    assert next_attempt == message(attempt=2)
    worker.handler(sqs_event(next_attempt), lambda_context)
    assert record("c-1")["sent"] == 1 and emails_sent() == 1


def test_a_sent_communication_is_not_requeued(requeue, lambda_context):
    put_communication(status="SENT", sent=1, attempts=1)
    requeue.handler(sqs_event(message(attempt=1)), lambda_context)
    assert queued_messages(QUEUE) == [] and record("c-1")["status"] == "SENT"


def test_the_sample_events_run(worker, requeue, lambda_context):
    from support.events import sample_event

    put_communication(id="0b6f7f0e-5c1d-4c52-9b8e-6a1f2f3c4d5e")
    assert worker.handler(sample_event("comms-worker"), lambda_context) == {"batchItemFailures": []}
    assert requeue.handler(sample_event("comms-requeue"), lambda_context) == {
        "batchItemFailures": []
    }
    assert record("0b6f7f0e-5c1d-4c52-9b8e-6a1f2f3c4d5e")["status"] == "RETRYING"
