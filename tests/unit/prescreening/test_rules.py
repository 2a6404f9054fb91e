"""The pure business rules: validation, identity, credit, affordability, the decision table."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from common.errors import field_errors
from prescreening.logic import affordability, credit, decision, identity, validation
from prescreening.logic.identity import SanctionedPerson
from prescreening.models import (
    AffordabilityResult,
    Application,
    Checks,
    CreditResult,
    IdentityResult,
    Outcome,
)
from prescreening.sandbox import sample_application

TODAY = date(2026, 11, 25)


def app(**changes) -> Application:
    return Application.model_validate(sample_application("approve", "app-1", **changes))


def with_applicant(**changes) -> Application:
    data = sample_application("approve", "app-1")
    data["applicant"] = {**data["applicant"], **changes}
    return Application.model_validate(data)


# --- the application's shape -----------------------------------------------------------------


def test_a_sound_application_parses():
    # GIVEN the sandbox's approve profile WHEN parsed THEN its fields are typed
    parsed = app()
    assert parsed.applicant.date_of_birth == date(1985, 12, 10)
    assert parsed.term_months == 36


def test_errors_name_the_fields_but_never_repeat_personal_data():
    # GIVEN an application whose national id and date of birth are malformed
    data = sample_application("approve", "app-1")
    data["applicant"]["nationalId"] = "12-SECRET-34"
    data["applicant"]["dateOfBirth"] = "1985-13-45"
    # WHEN it is validated
    with pytest.raises(ValidationError) as raised:
        Application.model_validate(data)
    described = field_errors(raised.value)
    # THEN the reasons name both fields, without the values
    assert any(reason.startswith("applicant.nationalId") for reason in described)
    assert any(reason.startswith("applicant.dateOfBirth") for reason in described)
    assert "SECRET" not in " ".join(described) and "1985-13-45" not in " ".join(described)


def test_a_personal_loan_needs_a_term():
    with pytest.raises(ValidationError, match="termMonths"):
        app(termMonths=None)


@pytest.mark.parametrize("application_id", ["has space", "x" * 65, "slash/id", ""])
def test_application_ids_fit_an_execution_name(application_id):
    with pytest.raises(ValidationError):
        app(applicationId=application_id)


# --- validation ------------------------------------------------------------------------------


def test_a_sound_application_is_valid():
    assert validation.validate(app(), TODAY).valid


def test_an_applicant_turning_18_tomorrow_is_too_young():
    result = validation.validate(with_applicant(dateOfBirth="2008-11-26"), TODAY)
    assert not result.valid and result.reasons == ["applicant is under 18"]


def test_an_applicant_18_today_may_apply():
    assert validation.validate(with_applicant(dateOfBirth="2008-11-25"), TODAY).valid


def test_amounts_and_terms_outside_the_products_range_are_invalid():
    card = validation.validate(app(product="credit_card", requestedAmount=30_000), TODAY)
    loan = validation.validate(app(requestedAmount=500, termMonths=120), TODAY)
    assert card.reasons == ["credit card limit must be between 250 and 25,000"]
    assert loan.reasons == [
        "personal loan amount must be between 1,000 and 50,000",
        "personal loan term must be 12 to 84 months",
    ]


# --- identity --------------------------------------------------------------------------------

SANCTIONS = [
    SanctionedPerson(name="Viktor Blacklistov", date_of_birth=date(1968, 4, 2)),
    SanctionedPerson(name="Sanction Testperson"),
]


def test_a_sound_identity_is_verified():
    result = identity.check_identity(app().applicant, SANCTIONS)
    assert result == IdentityResult(verified=True, sanctions_hit=False, issues=[])


def test_sanctions_match_ignores_case_accents_and_spacing():
    applicant = with_applicant(name="  víktor   BLACKLISTOV ", dateOfBirth="1968-04-02").applicant
    result = identity.check_identity(applicant, SANCTIONS)
    assert result.sanctions_hit and not result.verified


def test_same_name_other_birth_date_is_not_a_match():
    applicant = with_applicant(name="Viktor Blacklistov", dateOfBirth="1990-01-01").applicant
    assert not identity.check_identity(applicant, SANCTIONS).sanctions_hit


def test_a_listed_name_without_birth_date_matches_anyone_of_that_name():
    applicant = with_applicant(name="Sanction Testperson").applicant
    assert identity.check_identity(applicant, SANCTIONS).sanctions_hit


def test_format_checks_find_placeholders_and_malformed_details():
    data = sample_application("approve", "app-1")
    data["applicant"].update(nationalId="111111111", email="ada@localhost", name="Ada")
    data["applicant"]["address"]["postcode"] = "-N1-"
    issues = identity.format_issues(Application.model_validate(data).applicant)
    assert issues == [
        "national id is a placeholder",
        "email address has no valid domain",
        "postcode is not well formed",
        "full name needs a given name and a family name",
    ]


# --- credit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("national_id", "score", "delinquencies"),
    [("720000113", 720, 0), ("100000000", 300, 0), ("900800000", 850, 1), ("650900000", 650, 3)],
)
def test_the_sandbox_scores_from_the_national_id(national_id, score, delinquencies):
    assert credit.sandbox_report(national_id) == {"score": score, "delinquencies": delinquencies}


def test_the_sandbox_plays_an_outage_for_999_ids():
    with pytest.raises(credit.SandboxOutage):
        credit.sandbox_report("999000111")


# --- affordability ---------------------------------------------------------------------------


def test_a_loan_payment_is_the_annuity_at_the_screening_rate():
    # 12,000 over 36 months at 9.9 % APR: 386.64 a month
    payment = affordability.monthly_payment(app().product, 12_000, 36)
    assert payment == pytest.approx(386.64, abs=0.01)


def test_a_card_payment_is_three_percent_of_the_limit():
    assert affordability.monthly_payment(app(product="credit_card").product, 5_000, None) == 150


def test_debt_to_income_includes_the_new_payment():
    # income 84,000 a year = 7,000 a month; debts 450 + new 386.64 -> 11.95 %
    result = affordability.assess(app())
    assert result.debt_to_income == pytest.approx(0.1195, abs=0.0001)
    assert result.affordable


def test_no_income_is_not_affordable():
    data = sample_application("approve", "app-1")
    data["employment"] = {"status": "unemployed", "annualIncome": 0}
    result = affordability.assess(Application.model_validate(data))
    assert not result.affordable and result.debt_to_income is None and result.reason == "no income"


# --- the decision table ----------------------------------------------------------------------


def checks(identity_ok=True, sanctioned=False, score=720, delinquencies=0, ratio=0.2, bureau=True):
    return Checks(
        identity=IdentityResult(
            verified=identity_ok and not sanctioned,
            sanctions_hit=sanctioned,
            issues=[] if identity_ok else ["postcode is not well formed"],
        ),
        credit=CreditResult(available=True, score=score, delinquencies=delinquencies)
        if bureau
        else CreditResult(available=False, reason="CreditBureauUnavailable"),
        affordability=AffordabilityResult(
            affordable=ratio is not None and ratio <= 0.4,
            new_monthly_payment=100,
            debt_to_income=ratio,
        ),
    )


@pytest.mark.parametrize(
    ("found", "outcome", "reasons"),
    [
        (checks(), Outcome.APPROVE, ["all checks passed"]),
        (checks(sanctioned=True), Outcome.DECLINE, ["applicant matches the sanctions list"]),
        (checks(score=579), Outcome.DECLINE, ["credit score below 580"]),
        (checks(score=580), Outcome.REFER, ["credit score below 660"]),
        (checks(score=660), Outcome.APPROVE, ["all checks passed"]),
        (checks(delinquencies=3), Outcome.DECLINE, ["3 delinquencies on the credit file"]),
        (checks(delinquencies=1), Outcome.REFER, ["1 delinquency on the credit file"]),
        (checks(ratio=0.51), Outcome.DECLINE, ["debt-to-income 51% is above 50%"]),
        (checks(ratio=0.41), Outcome.REFER, ["debt-to-income 41% is above 40%"]),
        (checks(ratio=0.40), Outcome.APPROVE, ["all checks passed"]),
        (checks(ratio=None), Outcome.DECLINE, ["affordability could not be assessed"]),
        (checks(identity_ok=False), Outcome.REFER, ["identity: postcode is not well formed"]),
        (checks(bureau=False), Outcome.REFER, ["credit bureau unavailable"]),
        # a decline finding wins over a referral finding
        (checks(bureau=False, ratio=0.6), Outcome.DECLINE, ["debt-to-income 60% is above 50%"]),
    ],
)
def test_the_decision_table(found, outcome, reasons):
    decided = decision.decide(found)
    assert (decided.outcome, decided.reasons) == (outcome, reasons)
