"""Applicants the sandbox credit bureau answers for in a known way, for demos, tests and
benchmarks (the bureau scores from the national id: see logic.credit.sandbox_report)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

# National ids by the outcome the sandbox leads to for an otherwise sound application.
NATIONAL_IDS = {
    "approve": "720000113",  # score 720
    "decline": "500000117",  # score 500
    "refer": "620000119",  # score 620
    "bureau_down": "999000111",  # the sandbox bureau answers 503
}


def sample_application(
    outcome: str = "approve",
    application_id: str | None = None,
    applicant_age: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A sound personal-loan application whose credit file leads to `outcome` (top-level
    fields replaced by `changes`; applicant_age sets a birth date that age years ago)."""
    application: dict[str, Any] = {
        "applicationId": application_id or uuid.uuid4().hex,
        "applicant": {
            "name": "Ada Lovelace",
            "dateOfBirth": "1985-12-10",
            "nationalId": NATIONAL_IDS[outcome],
            "email": "ada@example.com",
            "address": {
                "line1": "12 Analytical Street",
                "city": "London",
                "postcode": "N1 9GU",
                "country": "GB",
            },
        },
        "employment": {"status": "employed", "employer": "Engines Ltd", "annualIncome": 84000},
        "monthlyDebtPayments": 450,
        "product": "personal_loan",
        "requestedAmount": 12000,
        "termMonths": 36,
    }
    if applicant_age is not None:
        born = date.today().replace(year=date.today().year - applicant_age, day=1)
        application["applicant"]["dateOfBirth"] = born.isoformat()
    application.update(changes)
    return application


def sample_submission(outcome: str = "approve", **changes: Any) -> dict[str, Any]:
    """What a client POSTs to /applications: an application without its id (the service
    gives one); producers writing to the stream send sample_application, id included."""
    application = sample_application(outcome, **changes)
    del application["applicationId"]
    return application
