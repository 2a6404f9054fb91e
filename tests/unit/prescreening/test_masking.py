"""National ids, dates of birth and incomes never reach a log in clear."""

from __future__ import annotations

import io
import json

from common.observability import logger
from prescreening.handlers import validate
from prescreening.logic.masking import masked_application
from prescreening.sandbox import sample_application


def test_masked_application_hides_the_three_personal_fields():
    # GIVEN an application WHEN masked
    application = sample_application("approve", "app-1")
    masked = masked_application(application)
    # THEN the id keeps its last three digits, birth date and income are gone, the rest stays
    assert masked["applicant"]["nationalId"] == "******113"
    assert masked["applicant"]["dateOfBirth"] == "*****"
    assert masked["employment"]["annualIncome"] == "*****"
    assert masked["applicant"]["name"] == application["applicant"]["name"]
    # AND the original is untouched
    assert application["applicant"]["nationalId"] == "720000113"


def test_masking_tolerates_partial_applications():
    assert masked_application({"applicant": "?", "employment": None}) == {
        "applicant": "?",
        "employment": None,
    }


def test_the_validate_task_logs_no_personal_data(aws, lambda_context, monkeypatch):
    # GIVEN an application with distinctive personal values
    application = sample_application("approve", "app-logs")
    application["applicant"]["nationalId"] = "720123987"
    application["employment"]["annualIncome"] = 87654.5
    log = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log)
    # WHEN the validate task runs (it logs the application)
    validate.handler(application, lambda_context)
    logged = log.getvalue()
    # THEN the log has the application, masked
    assert "app-logs" in logged
    for secret in ("720123987", "1985-12-10", "87654.5"):
        assert secret not in logged
    assert json.dumps("******987") in logged
