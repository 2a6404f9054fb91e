"""The HTML the approver sees: a confirmation page (GET), the outcome, or why a link failed.

Opening a link only shows a page: link scanners and previews fetch with GET, so nothing is
decided until the approver presses the button, which POSTs the same signed fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from approval.logic.links import LinkProblem, SignedLink
from approval.models import Decision, PendingApproval


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='robots' content='noindex'>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _calculation(approval: PendingApproval) -> str:
    return (
        "<table>"
        f"<tr><th>Calculation</th><td>{escape(approval.calculation_id)}</td></tr>"
        f"<tr><th>x</th><td>{approval.x}</td></tr>"
        f"<tr><th>y</th><td>{approval.y}</td></tr>"
        f"<tr><th>x + y</th><td>{approval.sum}</td></tr>"
        f"<tr><th>Doubled by the third party</th><td>{approval.doubled}</td></tr>"
        "</table>"
    )


def confirmation(approval: PendingApproval, link: SignedLink) -> str:
    verb = "Approve" if link.decision is Decision.APPROVE else "Reject"
    deadline = datetime.fromtimestamp(link.expires, UTC).isoformat(timespec="seconds")
    # The form posts back to this same path (relative action) with the link's signed fields.
    form = (
        f"<form method='post' action='{escape(link.calculation_id)}'>"
        f"<input type='hidden' name='decision' value='{escape(link.decision.value)}'>"
        f"<input type='hidden' name='expires' value='{link.expires}'>"
        f"<input type='hidden' name='signature' value='{escape(link.signature)}'>"
        f"<button type='submit'>{verb} this calculation</button></form>"
    )
    return _page(
        f"{verb} calculation?",
        f"{_calculation(approval)}<p>This link is valid until {deadline}. Nothing is decided "
        f"until you press the button.</p>{form}",
    )


def decided(approval: PendingApproval, decision: Decision) -> str:
    return _page(
        f"Calculation {decision.outcome}",
        f"{_calculation(approval)}<p>Your decision was sent: the calculation is "
        f"{decision.outcome}.</p>",
    )


def refused(problem: LinkProblem) -> str:
    titles = {
        LinkProblem.INCOMPLETE: "Incomplete link",
        LinkProblem.FORGED: "Forged link",
        LinkProblem.TAMPERED: "Tampered link",
        LinkProblem.EXPIRED: "Expired link",
        LinkProblem.USED: "Link already used",
    }
    return _page(titles[problem], f"<p>{escape(problem.explanation)}</p>")


def unavailable() -> str:
    return _page(
        "Try again shortly",
        "<p>Your decision could not be delivered just now and was not recorded. "
        "Please press the button again in a moment.</p>",
    )


def email_text(approval: PendingApproval, approve_url: str, reject_url: str) -> str:
    deadline = datetime.fromtimestamp(approval.expires, UTC).isoformat(timespec="seconds")
    return (
        f"A calculation needs your decision.\n\n"
        f"Calculation: {approval.calculation_id}\n"
        f"x = {approval.x}, y = {approval.y}\n"
        f"x + y = {approval.sum}\n"
        f"Doubled by the third party: {approval.doubled}\n\n"
        f"Approve: {approve_url}\n"
        f"Reject:  {reject_url}\n\n"
        f"Each link opens a page where you confirm; it works once, until {deadline}.\n"
    )


def email_html(approval: PendingApproval, approve_url: str, reject_url: str) -> str:
    return _page(
        "A calculation needs your decision",
        f"{_calculation(approval)}"
        f"<p><a href='{escape(approve_url)}'>Approve</a> &middot; "
        f"<a href='{escape(reject_url)}'>Reject</a></p>"
        "<p>Each link opens a page where you confirm; it works once, until "
        f"{datetime.fromtimestamp(approval.expires, UTC).isoformat(timespec='seconds')}.</p>",
    )
