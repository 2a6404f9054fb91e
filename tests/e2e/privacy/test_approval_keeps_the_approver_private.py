"""The marker test for the approval workflow: its one personal datum is the approver's email
(the stack's ApprovalApproverEmail). Calculations are approved and rejected through the real
emailed links; then every log group, execution history, queue, SNS message and API answer is
read back: the email is in none of them (it stays in the approvals table and the email itself).
"""

from __future__ import annotations

import time

import pytest
import requests

from devkit.local_cloud import wait_for_execution
from support.approval import HTTP_TIMEOUT, confirm, email_for, start, status_of
from support.privacy import everywhere, markers_found, queue_on_every_topic

pytestmark = pytest.mark.localcloud


def test_the_approver_s_email_reaches_no_log_history_queue_message_or_answer(stack_outputs):
    api, approver = stack_outputs["ApiUrl"], stack_outputs["ApprovalApproverEmail"]
    started, answers = time.time(), []
    with queue_on_every_topic(stack_outputs) as published:
        # GIVEN calculations decided by the approver through the emailed links, one approved,
        # one rejected, and one that fails (so a failure's answer is read too)
        approved, rejected = start(api, {"x": 7, "y": 8}), start(api, {"x": 9, "y": 10})
        failed = start(api, {"x": "seven"})
        answers.extend(map(str, (approved, rejected, failed)))
        for calculation, link in ((approved, "approve"), (rejected, "reject")):
            email = email_for(calculation["id"])
            assert email["to"] == [approver]
            assert confirm(email[link], answers).status_code == 200
        # WHEN they finish and their statuses are asked for
        for calculation in (approved, rejected, failed):
            wait_for_execution(calculation["executionArn"])
            answers.append(str(status_of(api, calculation["id"])))
        used = requests.post(email_for(approved["id"])["approve"], timeout=HTTP_TIMEOUT)
        answers.append(used.text)
        places = everywhere(stack_outputs, started, published(), answers)
    # THEN the approver's email is nowhere
    assert markers_found(places, [approver]) == {}
    # AND the places read did hold these calculations
    for where in ("execution", "api answer"):
        assert approved["id"] in "\n".join(places[where].values()), where
