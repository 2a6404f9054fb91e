"""The credit bureau, over HTTP, with the API key kept in Secrets Manager."""

from __future__ import annotations

from typing import Any

import requests
from aws_lambda_powertools.utilities import parameters

# The key is read once per warm process for this long, so a rotated key is picked up without
# a Secrets Manager call per application.
CREDENTIALS_MAX_AGE_SECONDS = 300


class CreditBureauUnavailable(Exception):
    """The bureau did not answer in time or answered with an error; worth retrying."""


def api_key(secret_id: str) -> str:
    return parameters.get_secret(secret_id, max_age=CREDENTIALS_MAX_AGE_SECONDS)


def fetch_report(
    url: str, applicant: dict[str, Any], timeout: float, api_key: str
) -> dict[str, Any]:
    try:
        response = requests.post(
            url, json=applicant, headers={"X-Api-Key": api_key}, timeout=timeout
        )
    except requests.RequestException as error:
        raise CreditBureauUnavailable(type(error).__name__) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise CreditBureauUnavailable(f"bureau answered HTTP {response.status_code}")
    response.raise_for_status()
    return response.json()
