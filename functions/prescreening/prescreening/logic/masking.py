"""Which fields of an application are personal data, and how they are masked for logs:
national ids keep their last three digits (so a person can match a log line to a case); names,
emails, addresses, employers, dates of birth and incomes never appear."""

from __future__ import annotations

from typing import Any

from common.masking import ERASE, keep_last, masked

PERSONAL_DATA = {
    "applicant.nationalId": keep_last(3),
    "applicant.name": ERASE,
    "applicant.email": ERASE,
    "applicant.address": ERASE,
    "applicant.dateOfBirth": ERASE,
    "employment.employer": ERASE,
    "employment.annualIncome": ERASE,
}


def masked_application(application: dict[str, Any]) -> dict[str, Any]:
    """A copy of an application (JSON form) safe to log."""
    return masked(application, PERSONAL_DATA)
