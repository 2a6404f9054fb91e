"""Is the application one we can screen at all? Rules on the applicant's age and the product."""

from __future__ import annotations

from datetime import date

from prescreening.models import Application, Product, Validation

ADULT_AGE = 18
OLDEST_PLAUSIBLE_AGE = 120

# Requested amount (and term, for loans) each product offers.
CREDIT_CARD_LIMITS = (250.0, 25_000.0)
PERSONAL_LOAN_LIMITS = (1_000.0, 50_000.0)
PERSONAL_LOAN_TERMS = (12, 84)


def age_on(born: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def validate(application: Application, today: date) -> Validation:
    reasons = []
    age = age_on(application.applicant.date_of_birth, today)
    if age < ADULT_AGE:
        reasons.append(f"applicant is under {ADULT_AGE}")
    elif age > OLDEST_PLAUSIBLE_AGE:
        reasons.append("date of birth is not plausible")

    amount = application.requested_amount
    if application.product is Product.CREDIT_CARD:
        low, high = CREDIT_CARD_LIMITS
        if not low <= amount <= high:
            reasons.append(f"credit card limit must be between {low:,.0f} and {high:,.0f}")
    else:
        low, high = PERSONAL_LOAN_LIMITS
        if not low <= amount <= high:
            reasons.append(f"personal loan amount must be between {low:,.0f} and {high:,.0f}")
        shortest, longest = PERSONAL_LOAN_TERMS
        if not shortest <= (application.term_months or 0) <= longest:
            reasons.append(f"personal loan term must be {shortest} to {longest} months")
    return Validation(valid=not reasons, reasons=reasons)
