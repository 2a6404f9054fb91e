"""Signed links: what they carry, and which problem each bad link has."""

import pytest

from approval.logic import links
from approval.logic.links import LinkProblem
from approval.models import ApprovalStatus, Decision, PendingApproval

KEY = b"k" * 64
NOW = 1_800_000_000
EXPIRES = NOW + 600


def pending(**changes) -> PendingApproval:
    values = {
        "calculation_id": "calc-1",
        "execution_arn": "arn:aws:states:us-east-1:1:execution:sm:calc-1",
        "x": 125,
        "y": 122,
        "sum": 247,
        "doubled": 494,
        "expires": EXPIRES,
        "approver": "approver@example.com",
        "task_token": "TOKEN-SECRET",
    }
    return PendingApproval(**{**values, **changes})


def fields(link: links.SignedLink, **changes) -> dict[str, str]:
    values = {
        "decision": link.decision.value,
        "expires": str(link.expires),
        "signature": link.signature,
    }
    return {**values, **changes}


def test_a_link_carries_id_decision_expiry_and_signature_but_no_token():
    # GIVEN an approve link issued for a pending approval
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    # WHEN it is written as a URL
    url = link.url("https://api.example.com/dev/")
    # THEN it names the calculation, the decision and the expiry, and never the task token
    assert url.startswith("https://api.example.com/dev/approvals/calc-1?decision=approve&")
    assert f"expires={EXPIRES}" in url
    assert "TOKEN" not in url


def test_an_issued_link_passes_the_check():
    link = links.issue(KEY, "calc-1", Decision.REJECT, EXPIRES)
    parsed = links.parse("calc-1", fields(link))
    assert parsed == link
    assert links.check(KEY, parsed, pending(), NOW) is None


def test_approve_and_reject_links_have_different_signatures():
    approve = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    reject = links.issue(KEY, "calc-1", Decision.REJECT, EXPIRES)
    assert approve.signature != reject.signature


def test_a_reject_link_turned_into_approve_is_tampered():
    # GIVEN a genuine reject link whose decision was edited to approve
    link = links.issue(KEY, "calc-1", Decision.REJECT, EXPIRES)
    edited = links.parse("calc-1", fields(link, decision="approve"))
    # WHEN it is checked
    # THEN it is tampered (our signature, changed contents)
    assert links.check(KEY, edited, pending(), NOW) is LinkProblem.TAMPERED


def test_a_link_with_a_later_expiry_is_tampered():
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    edited = links.parse("calc-1", fields(link, expires=str(EXPIRES + 3600)))
    assert links.check(KEY, edited, pending(), NOW) is LinkProblem.TAMPERED


def test_a_link_for_another_calculation_is_tampered():
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    moved = links.parse("calc-2", fields(link))
    assert links.check(KEY, moved, pending(calculation_id="calc-2"), NOW) is LinkProblem.FORGED
    # ... and for the original calculation with the signature kept, the contents changed:
    assert links.check(KEY, moved, pending(), NOW) is LinkProblem.TAMPERED


def test_a_link_signed_with_another_key_is_forged():
    forged = links.issue(b"not-our-key", "calc-1", Decision.APPROVE, EXPIRES)
    assert links.check(KEY, forged, pending(), NOW) is LinkProblem.FORGED


def test_a_link_for_an_unknown_calculation_is_forged():
    link = links.issue(KEY, "nope", Decision.APPROVE, EXPIRES)
    assert links.check(KEY, link, None, NOW) is LinkProblem.FORGED


def test_a_link_past_its_expiry_is_expired():
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    assert links.check(KEY, link, pending(), now=EXPIRES) is LinkProblem.EXPIRED


def test_a_link_whose_approval_timed_out_is_expired():
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    timed_out = pending(status=ApprovalStatus.TIMED_OUT)
    assert links.check(KEY, link, timed_out, NOW) is LinkProblem.EXPIRED


@pytest.mark.parametrize("status", [ApprovalStatus.APPROVED, ApprovalStatus.REJECTED])
def test_a_link_for_a_decided_approval_is_used(status):
    link = links.issue(KEY, "calc-1", Decision.REJECT, EXPIRES)
    assert links.check(KEY, link, pending(status=status), NOW) is LinkProblem.USED


def test_a_link_missing_its_signature_is_incomplete():
    assert links.parse("calc-1", {"decision": "approve", "expires": "1"}) is LinkProblem.INCOMPLETE


@pytest.mark.parametrize("change", [{"decision": "maybe"}, {"expires": "soon"}])
def test_a_link_with_unreadable_parts_is_tampered(change):
    link = links.issue(KEY, "calc-1", Decision.APPROVE, EXPIRES)
    assert links.parse("calc-1", fields(link, **change)) is LinkProblem.TAMPERED


def test_each_problem_has_a_4xx_status():
    assert {problem.status_code // 100 for problem in LinkProblem} == {4}
