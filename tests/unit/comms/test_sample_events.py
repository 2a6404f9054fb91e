"""The API's and the summary's sample events in events/, run through their handlers."""

import json

from support.events import sample_event
from support.handlers import fresh
from unit.comms.comms_testkit import put_communication

SAMPLE_ID = "0b6f7f0e-5c1d-4c52-9b8e-6a1f2f3c4d5e"


def test_the_post_sample_is_stored(api, lambda_context):
    answer = api.handler(sample_event("comms-communications-api-post"), lambda_context)
    assert answer["statusCode"] == 202


def test_the_failed_list_sample_finds_a_failed_email(api, lambda_context):
    put_communication(id=SAMPLE_ID, status="FAILED", attempts=3)
    answer = api.handler(sample_event("comms-communications-api-failed"), lambda_context)
    assert [c["id"] for c in json.loads(answer["body"])["communications"]] == [SAMPLE_ID]


def test_the_send_sample_re_sends_its_communication(api, lambda_context):
    put_communication(id=SAMPLE_ID, status="FAILED", attempts=3)
    answer = api.handler(sample_event("comms-communications-api-send"), lambda_context)
    # the sender is not verified in this moto account: the provider refuses it
    assert answer["statusCode"] == 502
    assert json.loads(answer["body"])["reason"] == "MessageRejected"


def test_the_summarise_sample_is_a_failure_summary(lambda_context):
    summarise = fresh("comms.handlers.summarise")
    outcome = summarise.handler(sample_event("comms-summarise"), lambda_context)
    assert outcome["allSent"] is False
    assert [item["id"] for item in outcome["message"]["failed"]] == [
        "5d1c1b7a-2f7e-4d2e-8a55-1f0c7d9e3b21"
    ]
