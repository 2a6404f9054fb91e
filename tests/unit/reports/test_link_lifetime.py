"""A report's download link works for an hour at most: anyone holding it can download the
organisation's prospects, so neither the stack's parameter nor the functions' settings allow
longer."""

import pytest
from pydantic import ValidationError

from reports.settings import ReportLinkSettings
from support.template import load_template

AN_HOUR = 3600


def _link_settings(expiry_seconds: int) -> ReportLinkSettings:
    return ReportLinkSettings.model_validate(
        {
            "REPORTS_REPORTS_TABLE": "reports",
            "REPORTS_BUCKET": "reports",
            "REPORTS_LINK_EXPIRY_SECONDS": str(expiry_seconds),
        }
    )


def test_the_stack_parameter_allows_an_hour_at_most():
    parameter = load_template()["Parameters"]["ReportsLinkExpirySeconds"]
    assert parameter["MaxValue"] == AN_HOUR
    assert parameter["Default"] <= AN_HOUR


def test_an_hour_is_accepted():
    assert _link_settings(AN_HOUR).link_expiry_seconds == AN_HOUR


@pytest.mark.parametrize("expiry_seconds", [AN_HOUR + 1, 7 * 24 * AN_HOUR])
def test_a_longer_link_fails_the_settings(expiry_seconds):
    with pytest.raises(ValidationError):
        _link_settings(expiry_seconds)
