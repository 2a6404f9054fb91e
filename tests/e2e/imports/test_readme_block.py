"""The README's imports example (two rows, one refused, and the operator's view), run as a
newcomer copies it (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import run_block

pytestmark = pytest.mark.localcloud


def test_the_readme_imports_example_runs(stack_outputs):
    # GIVEN the deployed stack WHEN the README's block uploads a file with one bad line
    output = run_block("imports", deadline_s=300)
    # THEN the import succeeded with one row in and one refused, as the operator's GET shows
    assert "SUCCEEDED" in output and '"refused": 1' in output, output
    assert '"status": "IMPORTED"' in output, output
