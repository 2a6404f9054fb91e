"""The marker test: applications carry marker values in every personal field through the real
entry points; then every log group, every execution history, every queue (dead-letter queues
included), every SNS message (caught by a subscribed queue) and every API answer is read back:
no marker anywhere.

Covered here: pre-screening (approve, referral decided with a reviewer's note, a rejected
record). The other workflows' marker runs are beside it, one module each.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from devkit.local_cloud import client, wait_until
from prescreening.sandbox import sample_application
from support.privacy import every_queue_message, everywhere, markers_found, queue_on_every_topic
from support.tokens import bearer, reviewer_token

pytestmark = pytest.mark.localcloud
HTTP_TIMEOUT = 30

# Distinctive values, one per personal field (found by substring, case-insensitively).
MARKERS = {
    "name": "Zqxmarker Vwykname",
    "email": "zqxmarker.mail@example.com",
    "line1": "7 Zqxmarker Lane",
    "city": "Zqxmarkcity",
    "postcode": "ZQ7 4XM",
    "employer": "Zqxmarker Employer Works",
    "dateOfBirth": "1971-03-17",
    "annualIncome": 91357.13,
    "note": "Zqxmarker reviewer note",
}
NATIONAL_IDS = {"approve": "781357246", "refer": "641357246"}


def marked_application(outcome: str) -> dict:
    application = sample_application(outcome)
    del application["applicationId"]
    applicant = application["applicant"]
    applicant.update(
        name=MARKERS["name"],
        email=MARKERS["email"],
        dateOfBirth=MARKERS["dateOfBirth"],
        nationalId=NATIONAL_IDS[outcome],
    )
    applicant["address"].update(
        line1=MARKERS["line1"], city=MARKERS["city"], postcode=MARKERS["postcode"]
    )
    application["employment"].update(
        employer=MARKERS["employer"], annualIncome=MARKERS["annualIncome"]
    )
    return application


def every_marker() -> list[object]:
    return [*MARKERS.values(), *NATIONAL_IDS.values()]


@pytest.fixture
def subscribed_queues(stack_outputs):
    with queue_on_every_topic(stack_outputs) as read:
        yield read


def test_no_marker_reaches_a_log_a_history_a_queue_a_message_or_an_answer(
    stack_outputs, subscribed_queues
):
    api = stack_outputs["ApiUrl"]
    started = time.time()
    answers: list[str] = []
    reviewer = bearer(reviewer_token("rita"))

    # GIVEN applications with markers in every personal field, submitted over HTTP
    ids = {}
    for outcome in ("approve", "refer"):
        response = requests.post(
            f"{api}/applications", json=marked_application(outcome), timeout=HTTP_TIMEOUT
        )
        answers.append(response.text)
        assert response.status_code == 202, response.text
        ids[outcome] = response.json()["applicationId"]
    # AND a record on the stream that is no application (it is rejected)
    broken = marked_application("approve")
    broken["applicationId"] = f"privacy-{uuid.uuid4().hex[:8]}"
    del broken["applicant"]["nationalId"]
    client("kinesis").put_record(
        StreamName=stack_outputs["ApplicationStreamName"],
        Data=json.dumps(broken).encode(),
        PartitionKey=broken["applicationId"],
    )

    def status(application_id: str) -> dict:
        response = requests.get(f"{api}/applications/{application_id}", timeout=HTTP_TIMEOUT)
        answers.append(response.text)
        return response.json() if response.status_code == 200 else {}

    # WHEN they are screened, the referral decided by a reviewer with a note
    def settled(application_id: str):
        found = status(application_id)
        return found if found.get("status") in {"decided", "awaiting_review", "failed"} else None

    assert wait_until(lambda: settled(ids["approve"]), 120, what="the approval")["status"] == (
        "decided"
    )
    if wait_until(lambda: settled(ids["refer"]), 120, what="the referral")["status"] == (
        "awaiting_review"
    ):
        listed = requests.get(f"{api}/reviews", headers=reviewer, timeout=HTTP_TIMEOUT)
        answers.append(listed.text)
        decided = requests.post(
            f"{api}/reviews/{ids['refer']}",
            json={"outcome": "approve", "note": MARKERS["note"]},
            headers=reviewer,
            timeout=HTTP_TIMEOUT,
        )
        answers.append(decided.text)
        assert decided.status_code == 200, decided.text
        wait_until(lambda: status(ids["refer"]).get("status") == "decided", 120, what="the review")
    # AND the rejected record has reached its queue, the decisions their topic
    wait_until(
        lambda: any(
            broken["applicationId"] in body
            for body in every_queue_message()[stack_outputs["RejectedApplicationsQueueUrl"]]
        ),
        60,
        what="the rejected record's pointer",
    )

    def both_published():
        caught = subscribed_queues()
        return caught if sum(1 for body in caught if "decision" in body) >= 2 else None

    published = wait_until(both_published, 60, what="both published decisions")

    # THEN no marker is in any log group, execution history, queue, message or answer
    places = everywhere(stack_outputs, started, published, answers)
    assert markers_found(places, every_marker()) == {}
    # AND the places read did hold these runs (a scan of nothing would find nothing)
    for where in ("log group", "execution", "api answer"):
        assert ids["approve"] in "\n".join(places[where].values()), where
    assert broken["applicationId"] in "\n".join(places["queue"].values())
