"""The README's reports example (a half-year report, its link and email), run as a newcomer
copies it (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import run_block

pytestmark = pytest.mark.localcloud


def test_the_readme_reports_example_runs(stack_outputs):
    # GIVEN the deployed stack WHEN the README's block loads activity and asks for a report
    output = run_block("reports", deadline_s=300)
    # THEN the report succeeded, downloaded with its header, and another organisation is refused
    assert '"status": "SUCCEEDED"' in output, output
    assert "organisationId" in output, output
    assert "you may only request your own organisation's reports" in output, output
