"""Masked views of personal data, for logs: national ids, dates of birth and incomes never
appear in clear.

(Powertools' DataMasking would do this but needs jsonpath-ng, which the CommonLayer does not
ship; these three rules are all the workflow needs.)
"""

from __future__ import annotations

import copy
from typing import Any

MASK = "*****"


def mask_national_id(national_id: str) -> str:
    """Keep the last three digits so a person can match a log line to a case."""
    return MASK + national_id[-3:] if len(national_id) > 6 else MASK


def masked_application(application: dict[str, Any]) -> dict[str, Any]:
    """A copy of an application (JSON form) safe to log."""
    masked = copy.deepcopy(application)
    applicant = masked.get("applicant")
    if isinstance(applicant, dict):
        if "nationalId" in applicant:
            applicant["nationalId"] = mask_national_id(str(applicant["nationalId"]))
        if "dateOfBirth" in applicant:
            applicant["dateOfBirth"] = MASK
    employment = masked.get("employment")
    if isinstance(employment, dict) and "annualIncome" in employment:
        employment["annualIncome"] = MASK
    return masked
