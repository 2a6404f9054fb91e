"""The README's pre-screening walk-through (a referral, then a review), run as a newcomer copies
it (support.readme)."""

from __future__ import annotations

import pytest

from support.readme import run_block

pytestmark = pytest.mark.localcloud


def test_the_readme_prescreening_walk_through_runs(stack_outputs):
    # GIVEN the deployed stack WHEN the README's block applies with a referring national id
    output = run_block("prescreening", deadline_s=300)
    # THEN it was referred, the reviewer approved it, and the reviews API wants a token
    assert '"status": "awaiting_review"' in output, output
    assert '"decision": "approve"' in output, output
    assert output.rstrip().endswith("401"), output
