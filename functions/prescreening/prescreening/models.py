"""What an application is, what each check finds, and what is decided: pydantic models.

JSON field names are camelCase (what producers and the state machine see); Python names are
snake_case.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

# Step Functions execution names allow letters, digits, '-' and '_' and 80 characters;
# "PreScreening-" takes 13 of them.
APPLICATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    def to_json(self) -> dict:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Product(StrEnum):
    CREDIT_CARD = "credit_card"
    PERSONAL_LOAN = "personal_loan"


class EmploymentStatus(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    UNEMPLOYED = "unemployed"
    RETIRED = "retired"
    STUDENT = "student"


Text = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[float, Field(ge=0, le=100_000_000)]


class Address(Model):
    line1: Text
    city: Text
    postcode: Annotated[str, Field(min_length=2, max_length=12)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Applicant(Model):
    name: Text
    date_of_birth: date
    national_id: Annotated[str, Field(pattern=r"^[0-9]{9}$")]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
    address: Address


class Employment(Model):
    status: EmploymentStatus
    employer: Text | None = None
    annual_income: Money


class Application(Model):
    application_id: Annotated[str, Field(pattern=APPLICATION_ID_PATTERN)]
    applicant: Applicant
    employment: Employment
    monthly_debt_payments: Money
    product: Product
    requested_amount: Annotated[float, Field(gt=0, le=10_000_000)]
    term_months: Annotated[int, Field(ge=1, le=360)] | None = None

    @model_validator(mode="after")
    def loan_has_a_term(self) -> Application:
        if self.product is Product.PERSONAL_LOAN and self.term_months is None:
            raise ValueError("a personal loan needs termMonths")
        return self


def new_application_id() -> str:
    """An id for an application submitted over the API: 128 random bits, never the client's."""
    return uuid.uuid4().hex


# --- checks and decisions --------------------------------------------------------------------


class InvalidApplication(Exception):
    """The execution's input is not an application (producers bypassing the trigger)."""


class Outcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"


class Validation(Model):
    valid: bool
    reasons: list[str] = []


class IdentityResult(Model):
    verified: bool
    sanctions_hit: bool
    issues: list[str] = []


class CreditResult(Model):
    available: bool
    score: int | None = None
    delinquencies: int | None = None
    reason: str | None = None


class AffordabilityResult(Model):
    affordable: bool
    new_monthly_payment: float
    debt_to_income: float | None
    reason: str | None = None


class Checks(Model):
    identity: IdentityResult
    credit: CreditResult
    affordability: AffordabilityResult


class Decision(Model):
    outcome: Outcome
    reasons: list[str]
    reviewed_by: str | None = None


class ReviewVerdict(Model):
    """A person's answer to a referral (POST /reviews/{applicationId}). Who answered comes from
    their token, so a body naming a reviewer is refused."""

    outcome: Annotated[Outcome, Field(description="approve or decline")]
    note: Annotated[str, Field(max_length=1000)] | None = None

    @model_validator(mode="after")
    def final(self) -> ReviewVerdict:
        if self.outcome is Outcome.REFER:
            raise ValueError("a review approves or declines")
        return self


# --- the state machine's task inputs ------------------------------------------------------------


class ApplicationRef(Model):
    """What the state machine carries of an application: its id (the claim check); each task
    reads the record itself from the applications table."""

    application_id: Annotated[str, Field(pattern=APPLICATION_ID_PATTERN)]


class DecideRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    application_id: str = Field(alias="applicationId")
    checks: Checks


class ReviewRequest(Model):
    application_id: str
    reasons: list[str]
    task_token: str


class RecordRequest(Model):
    application_id: str
    decision: Decision
