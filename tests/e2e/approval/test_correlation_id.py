"""The correlation id through the deployed API, as the README says: the client's own echoed,
else API Gateway's request id (common.http.correlation_id)."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.localcloud


def test_the_clients_correlation_id_comes_back(api):
    mine = f"order-{uuid.uuid4().hex[:8]}"
    answer = requests.get(
        f"{api}/calculations/{uuid.uuid4()}", headers={"X-Correlation-Id": mine}, timeout=30
    )
    assert answer.status_code == 404
    assert answer.headers["X-Correlation-Id"] == mine


def test_without_one_the_request_id_comes_back(api):
    answer = requests.get(f"{api}/calculations/{uuid.uuid4()}", timeout=30)
    assert answer.headers["X-Correlation-Id"]
    assert not answer.headers["X-Correlation-Id"].startswith("order-")
