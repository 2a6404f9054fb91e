"""National ids, dates of birth and incomes never reach a log in clear."""

from __future__ import annotations

import io

from common.observability import logger
from prescreening.dal import applications
from prescreening.handlers import validate
from prescreening.sandbox import sample_application


def test_the_validate_task_logs_no_personal_data(aws, lambda_context, monkeypatch):
    # GIVEN a stored application with distinctive personal values
    application = sample_application("approve", "app-logs")
    application["applicant"]["nationalId"] = "720123987"
    application["applicant"]["name"] = "Marker Zyxwv"
    application["employment"]["annualIncome"] = 87654.5
    applications.store_record("applications", application)
    log = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log)
    # WHEN the validate task runs on its id
    validate.handler({"applicationId": "app-logs"}, lambda_context)
    logged = log.getvalue()
    # THEN the log names the application, and holds none of its personal values
    assert "app-logs" in logged
    for secret in ("720123987", "Zyxwv", "1985-12-10", "87654.5"):
        assert secret not in logged
