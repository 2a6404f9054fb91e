"""What the end-to-end tests share: the deployed REST API and a reviewer's credentials."""

from __future__ import annotations

import pytest

from support.tokens import bearer, reviewer_token


@pytest.fixture(scope="session")
def api(stack_outputs) -> str:
    return stack_outputs["ApiUrl"]


@pytest.fixture(scope="session")
def reviewer() -> dict[str, str]:
    """Rita's credentials for the staff endpoints: a token from the local issuer."""
    return bearer(reviewer_token("rita"))
