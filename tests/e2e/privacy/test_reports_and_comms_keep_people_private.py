"""The marker tests for reports and communications: prospects with marker names and emails in
a report, a requester with a marker email; communications with marker recipients, subjects and
bodies, sent, then through the retry workflow. Every log group, execution history, queue, SNS
message and API answer is read back: no marker (they belong in the report file, the tables and
the sent messages only)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
import requests

from devkit import local_issuer, prospect_activity
from devkit.local_cloud import client, resource, wait_for_execution, wait_until
from support.privacy import everywhere, markers_found, queue_on_every_topic
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30
DAY = date(2024, 2, 1)


def test_no_prospect_or_requester_reaches_a_log_history_queue_message_or_answer(stack_outputs):
    api, started, answers = stack_outputs["ApiUrl"], time.time(), []
    organisation = f"privacy-{uuid.uuid4().hex[:8]}"
    markers = [
        "Zqxmarker Prospectname",
        "zqxmarker.prospect@example.com",
        "zqxmarker.requester@example.com",
    ]
    table = resource("dynamodb").Table(stack_outputs["ProspectActivityTableName"])
    # GIVEN a day of activity by prospects with a marker name and email
    items = prospect_activity.busy_day(organisation, DAY, 6)
    for item in items:
        item.update(prospectName=markers[0], prospectEmail=markers[1])
    prospect_activity.load(table, items)
    # (the report goes to the requester's verified address, from the token)
    requester = local_issuer.verified_email(markers[2])
    headers = bearer(reviewer_token("ana", roles=("analyst",), org=organisation, **requester))
    with queue_on_every_topic(stack_outputs) as published:
        # WHEN a requester with a marker email asks for the report and reads its status
        requested = requests.post(
            f"{api}/reports",
            json={
                "organisationId": organisation,
                "from": "2024-02-01",
                "to": "2024-02-01",
            },
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
        answers.append(requested.text)
        assert requested.status_code == 202, requested.text
        report_id = requested.json()["id"]

        def finished():
            answer = requests.get(f"{api}/reports/{report_id}", headers=headers, timeout=30)
            answers.append(answer.text)
            return answer.json() if answer.json().get("status") != "RUNNING" else None

        assert wait_until(finished, 120, interval=0.5, what="the report")["status"] == "SUCCEEDED"
        caught = wait_until(
            lambda: [m for m in published() if report_id in m] and published(),
            60,
            what="the ReportReady event",
        )
        places = everywhere(stack_outputs, started, caught, answers)
    # THEN no marker is anywhere
    assert markers_found(places, markers) == {}
    # AND the places read did hold this report
    for where in ("execution", "api answer", "sns message"):
        assert report_id in "\n".join(places[where].values()), where


def communication_status(stack_outputs, communication_id: str) -> str | None:
    item = client("dynamodb").get_item(
        TableName=stack_outputs["CommunicationsTableName"],
        Key={"id": {"S": communication_id}},
        ConsistentRead=True,
    )
    return item.get("Item", {}).get("status", {}).get("S")


def test_no_recipient_subject_or_body_reaches_a_log_history_queue_message_or_answer(
    stack_outputs,
):
    api, started, answers = stack_outputs["ApiUrl"], time.time(), []
    operator = bearer(reviewer_token("ops", roles=("operator",)))
    markers = [
        "zqxmarker.recipient@example.com",
        "Zqxmarker statement subject",
        "Zqxmarker body of the message",
        "+447700912345",
        "Zqxmarker text message",
    ]
    sent = [
        {"type": "email", "recipient": markers[0], "subject": markers[1], "body": markers[2]},
        {"type": "sms", "recipient": markers[3], "body": markers[4]},
    ]
    with queue_on_every_topic(stack_outputs) as published:
        # GIVEN communications with marker recipients, subjects and bodies, posted and sent
        ids = []
        for body in sent:
            answer = requests.post(
                f"{api}/communications", json=body, headers=operator, timeout=HTTP_TIMEOUT
            )
            answers.append(answer.text)
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
        for communication_id in ids:
            wait_until(
                lambda cid=communication_id: (
                    communication_status(stack_outputs, cid) in {"SENT", "FAILED"}
                ),
                120,
                what=f"communication {communication_id}",
            )
        listed = requests.get(
            f"{api}/communications/failed", headers=operator, timeout=HTTP_TIMEOUT
        )
        answers.append(listed.text)
        # WHEN the retry workflow is run over them (as the schedule starts it)
        execution = client("stepfunctions").start_execution(
            stateMachineArn=stack_outputs["CommsRetryStateMachineArn"],
            input=json.dumps({"communicationIds": ids, "itemConcurrency": 2}),
        )
        wait_for_execution(execution["executionArn"], 120)
        caught = wait_until(
            lambda: [m for m in published() if ids[0] in m] and published(),
            60,
            what="the retry workflow's notification",
        )
        places = everywhere(stack_outputs, started, caught, answers)
    # THEN no marker is anywhere
    assert markers_found(places, markers) == {}
    # AND the places read did hold these communications
    for where in ("execution", "api answer", "sns message"):
        assert ids[0] in "\n".join(places[where].values()), where
