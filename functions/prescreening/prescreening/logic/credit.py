"""The credit bureau's answer, and the stack's sandbox bureau that scores deterministically."""

from __future__ import annotations

from prescreening.models import CreditResult

LOWEST_SCORE, HIGHEST_SCORE = 300, 850
# National ids starting with this make the sandbox bureau fail, so clients can exercise their
# retries and the "bureau down" path.
SANDBOX_OUTAGE_PREFIX = "999"


class SandboxOutage(Exception):
    """The sandbox bureau plays being down for this applicant."""


def sandbox_report(national_id: str) -> dict:
    """Score = the national id's first three digits, kept within 300-850; its fourth digit
    8 means one delinquency, 9 three. Documented so testers can choose an outcome."""
    if national_id.startswith(SANDBOX_OUTAGE_PREFIX):
        raise SandboxOutage
    score = min(max(int(national_id[:3]), LOWEST_SCORE), HIGHEST_SCORE)
    delinquencies = {"8": 1, "9": 3}.get(national_id[3], 0)
    return {"score": score, "delinquencies": delinquencies}


def credit_result(report: dict) -> CreditResult:
    """The bureau's report as the decision reads it."""
    return CreditResult(
        available=True,
        score=int(report["score"]),
        delinquencies=int(report.get("delinquencies", 0)),
    )
