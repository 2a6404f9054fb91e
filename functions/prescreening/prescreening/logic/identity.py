"""Identity check: format checks on the applicant's details, and sanctions screening."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel

from prescreening.models import Applicant, IdentityResult

# National ids that forms and test systems fill in when the real one is unknown.
PLACEHOLDER_ID = re.compile(r"^(\d)\1{8}$|^123456789$|^987654321$")
POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*[A-Za-z0-9]$")
EMAIL_DOMAIN = re.compile(r"@[^@.\s]+(\.[^@.\s]+)+$")


class SanctionedPerson(BaseModel):
    name: str
    date_of_birth: date | None = None


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not tell two names apart."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if c.isalpha() or c.isspace())
    return " ".join(letters.casefold().split())


def is_sanctioned(applicant: Applicant, sanctions: Iterable[SanctionedPerson]) -> bool:
    name = normalise_name(applicant.name)
    return any(
        normalise_name(person.name) == name
        and (person.date_of_birth is None or person.date_of_birth == applicant.date_of_birth)
        for person in sanctions
    )


def format_issues(applicant: Applicant) -> list[str]:
    issues = []
    if PLACEHOLDER_ID.match(applicant.national_id):
        issues.append("national id is a placeholder")
    if not EMAIL_DOMAIN.search(applicant.email):
        issues.append("email address has no valid domain")
    if not POSTCODE.match(applicant.address.postcode):
        issues.append("postcode is not well formed")
    if len(normalise_name(applicant.name).split()) < 2:
        issues.append("full name needs a given name and a family name")
    return issues


def check_identity(applicant: Applicant, sanctions: Iterable[SanctionedPerson]) -> IdentityResult:
    issues = format_issues(applicant)
    hit = is_sanctioned(applicant, sanctions)
    if hit:
        issues.append("applicant matches the sanctions list")
    return IdentityResult(verified=not issues, sanctions_hit=hit, issues=issues)
