"""Affordability: the applicant's debt-to-income ratio with the new product's payment."""

from __future__ import annotations

from prescreening.models import AffordabilityResult, Application, Product

# Assumed for screening only; the offer's real rate is set later.
PERSONAL_LOAN_APR = 0.099
# A card's minimum monthly payment, as a share of its limit (the worst case: limit fully used).
CREDIT_CARD_MINIMUM_PAYMENT = 0.03
AFFORDABLE_DEBT_TO_INCOME = 0.40


def monthly_payment(product: Product, amount: float, term_months: int | None) -> float:
    if product is Product.CREDIT_CARD:
        return round(amount * CREDIT_CARD_MINIMUM_PAYMENT, 2)
    rate = PERSONAL_LOAN_APR / 12
    months = term_months or 1
    return round(amount * rate / (1 - (1 + rate) ** -months), 2)


def assess(application: Application) -> AffordabilityResult:
    payment = monthly_payment(
        application.product, application.requested_amount, application.term_months
    )
    monthly_income = application.employment.annual_income / 12
    if monthly_income <= 0:
        return AffordabilityResult(
            affordable=False,
            new_monthly_payment=payment,
            debt_to_income=None,
            reason="no income",
        )
    ratio = round((application.monthly_debt_payments + payment) / monthly_income, 4)
    return AffordabilityResult(
        affordable=ratio <= AFFORDABLE_DEBT_TO_INCOME,
        new_monthly_payment=payment,
        debt_to_income=ratio,
    )
