"""Signed approve/reject links: an id, a decision and an expiry, signed with HMAC-SHA256.

The email carries these links, never the task token: the token stays in the approvals table,
and a link only says which decision to send for which calculation until when.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlencode

from approval.models import ApprovalStatus, Decision, PendingApproval


class LinkProblem(StrEnum):
    INCOMPLETE = "incomplete"
    FORGED = "forged"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"

    @property
    def status_code(self) -> int:
        return {
            LinkProblem.INCOMPLETE: 400,
            LinkProblem.FORGED: 403,
            LinkProblem.TAMPERED: 403,
            LinkProblem.EXPIRED: 410,
            LinkProblem.USED: 409,
        }[self]

    @property
    def explanation(self) -> str:
        return {
            LinkProblem.INCOMPLETE: "This link is incomplete: it needs a decision, an expiry "
            "and a signature.",
            LinkProblem.FORGED: "This link was not issued by the approval service (its "
            "signature is not one we made). Nothing was decided.",
            LinkProblem.TAMPERED: "This link has been altered since it was sent (its signature "
            "no longer matches its contents). Nothing was decided.",
            LinkProblem.EXPIRED: "This link has expired: the time to decide is over. Nothing "
            "was decided.",
            LinkProblem.USED: "This approval has already been decided; a link works once.",
        }[self]


@dataclass(frozen=True)
class SignedLink:
    calculation_id: str
    decision: Decision
    expires: int
    signature: str

    def query(self) -> str:
        return urlencode(
            {"decision": self.decision.value, "expires": self.expires, "signature": self.signature}
        )

    def url(self, api_url: str) -> str:
        return f"{api_url.rstrip('/')}/approvals/{quote(self.calculation_id)}?{self.query()}"


def signature(key: bytes, calculation_id: str, decision: Decision, expires: int) -> str:
    message = f"{calculation_id}\n{decision.value}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue(key: bytes, calculation_id: str, decision: Decision, expires: int) -> SignedLink:
    return SignedLink(
        calculation_id, decision, expires, signature(key, calculation_id, decision, expires)
    )


def parse(calculation_id: str, fields: dict[str, str]) -> SignedLink | LinkProblem:
    """A link from its parts as they arrived (query string or form)."""
    try:
        return SignedLink(
            calculation_id=calculation_id,
            decision=Decision(fields["decision"]),
            expires=int(fields["expires"]),
            signature=fields["signature"],
        )
    except (KeyError, ValueError):
        # An unknown decision or a non-number expiry: parts that were never signed by us.
        if {"decision", "expires", "signature"} <= fields.keys():
            return LinkProblem.TAMPERED
        return LinkProblem.INCOMPLETE


def check(
    key: bytes, link: SignedLink, approval: PendingApproval | None, now: int
) -> LinkProblem | None:
    """Why this link must not decide anything, or None when it may.

    Forged and tampered both fail the signature; tampered means the signature is one we issued
    for this calculation, carried by a link whose other parts were changed.
    """
    if approval is None:
        return LinkProblem.FORGED
    expected = signature(key, link.calculation_id, link.decision, link.expires)
    if not hmac.compare_digest(expected, link.signature):
        issued = (signature(key, approval.calculation_id, d, approval.expires) for d in Decision)
        if any(hmac.compare_digest(genuine, link.signature) for genuine in issued):
            return LinkProblem.TAMPERED
        return LinkProblem.FORGED
    if approval.status is ApprovalStatus.TIMED_OUT or link.expires <= now:
        return LinkProblem.EXPIRED
    if approval.status is not ApprovalStatus.PENDING:
        return LinkProblem.USED
    return None
