"""Session fixtures: the local cloud, started once (or reused), and the stack deployed once."""

from __future__ import annotations

import pytest

import stack as stack_tool
from support.localcloud import start_local_cloud


@pytest.fixture(scope="session")
def local_cloud() -> None:
    start_local_cloud()


@pytest.fixture(scope="session")
def stack_outputs(local_cloud) -> dict[str, str]:
    """The product stack, deployed into the local cloud; its outputs by name."""
    return stack_tool.deploy_local()
