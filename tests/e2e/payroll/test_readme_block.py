"""The README's payroll example, run as a newcomer copies it (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import run_block

pytestmark = pytest.mark.localcloud


def test_the_readme_payroll_example_runs(stack_outputs):
    # GIVEN the deployed stack WHEN the README's block uploads the shipped timesheet
    output = run_block("payroll", deadline_s=300)
    # THEN the run it waited for succeeded and wrote the paystubs and the rollup
    assert " SUCCEEDED " in output, output
    assert output.count(".pdf") >= 4 and "rollup.csv" in output, output
