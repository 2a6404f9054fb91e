"""The README's failed-communications example (refused, FAILED, the provider fixed, re-sent),
run as a newcomer copies it (support.readme)."""

from __future__ import annotations

import pytest

from devkit.local_cloud import client
from support.readme import run_block

pytestmark = pytest.mark.localcloud


@pytest.fixture
def sender_unverified_again(stack_outputs):
    """The block verifies the sender; this workflow's other tests start from an unverified one."""
    yield
    client("ses").delete_identity(Identity=stack_outputs["CommsSenderEmail"])


def test_the_readme_comms_example_runs(stack_outputs, sender_unverified_again):
    # GIVEN an unverified sender WHEN the README's block sends an email, waits, and re-sends
    client("ses").delete_identity(Identity=stack_outputs["CommsSenderEmail"])
    output = run_block("comms", deadline_s=300)
    # THEN the email showed in the failed list, and a bad type was refused
    assert '"status": "FAILED"' in output, output
    assert '"message": "invalid request"' in output, output
