"""The credit bureau, over HTTP."""

from __future__ import annotations

from typing import Any

import requests


class CreditBureauUnavailable(Exception):
    """The bureau did not answer in time or answered with an error; worth retrying."""


def fetch_report(url: str, applicant: dict[str, Any], timeout: float) -> dict[str, Any]:
    try:
        response = requests.post(url, json=applicant, timeout=timeout)
    except requests.RequestException as error:
        raise CreditBureauUnavailable(type(error).__name__) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise CreditBureauUnavailable(f"bureau answered HTTP {response.status_code}")
    response.raise_for_status()
    return response.json()
