"""The README's approval example (the email, its link, the confirmation), run as a newcomer
copies it (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import run_block

pytestmark = pytest.mark.localcloud


def test_the_readme_approval_example_runs(stack_outputs):
    # GIVEN the deployed stack WHEN the README's block asks for approval and approves
    output = run_block("approval", deadline_s=300)
    # THEN the email had its links, the calculation is approved, a second confirmation is 409
    assert "Approve: " in output and "Reject: " in output, output
    assert '"status": "APPROVED"' in output, output
    assert output.rstrip().endswith("409"), output
