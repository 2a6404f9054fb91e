"""The decision table: approve, decline or refer to a person, with the reasons why.

| finding                                   | outcome |
|-------------------------------------------|---------|
| applicant on the sanctions list           | decline |
| credit score below 580                    | decline |
| three or more delinquencies               | decline |
| no income, or debt-to-income above 50 %   | decline |
| identity details fail format checks       | refer   |
| credit bureau unavailable                 | refer   |
| credit score 580-659, or one delinquency+ | refer   |
| debt-to-income above 40 %, up to 50 %     | refer   |
| otherwise                                 | approve |

Any decline finding wins over any referral finding.
"""

from __future__ import annotations

from prescreening.models import Checks, Decision, Outcome

DECLINE_BELOW_SCORE = 580
APPROVE_FROM_SCORE = 660
DECLINE_FROM_DELINQUENCIES = 3
DECLINE_ABOVE_DEBT_TO_INCOME = 0.50
REFER_ABOVE_DEBT_TO_INCOME = 0.40


def decide(checks: Checks) -> Decision:
    declines: list[str] = []
    referrals: list[str] = []

    identity = checks.identity
    if identity.sanctions_hit:
        declines.append("applicant matches the sanctions list")
    elif not identity.verified:
        referrals.extend(f"identity: {issue}" for issue in identity.issues)

    credit = checks.credit
    if not credit.available or credit.score is None:
        referrals.append("credit bureau unavailable")
    else:
        if credit.score < DECLINE_BELOW_SCORE:
            declines.append(f"credit score below {DECLINE_BELOW_SCORE}")
        elif credit.score < APPROVE_FROM_SCORE:
            referrals.append(f"credit score below {APPROVE_FROM_SCORE}")
        delinquencies = credit.delinquencies or 0
        if delinquencies >= DECLINE_FROM_DELINQUENCIES:
            declines.append(f"{delinquencies} delinquencies on the credit file")
        elif delinquencies:
            referrals.append(f"{delinquencies} delinquency on the credit file")

    affordability = checks.affordability
    ratio = affordability.debt_to_income
    if ratio is None:
        declines.append(affordability.reason or "affordability could not be assessed")
    elif ratio > DECLINE_ABOVE_DEBT_TO_INCOME:
        declines.append(f"debt-to-income {ratio:.0%} is above {DECLINE_ABOVE_DEBT_TO_INCOME:.0%}")
    elif ratio > REFER_ABOVE_DEBT_TO_INCOME:
        referrals.append(f"debt-to-income {ratio:.0%} is above {REFER_ABOVE_DEBT_TO_INCOME:.0%}")

    if declines:
        return Decision(outcome=Outcome.DECLINE, reasons=declines)
    if referrals:
        return Decision(outcome=Outcome.REFER, reasons=referrals)
    return Decision(outcome=Outcome.APPROVE, reasons=["all checks passed"])
