"""The third-party /double API, called over HTTP."""

from __future__ import annotations

from functools import cache

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class ThirdPartyUnavailable(Exception):
    """The /double API did not take the request. Step Functions retries Calculate on it."""


@cache
def _session() -> requests.Session:
    session = requests.Session()
    # Resending the same token is safe: the API answers each token once, whatever it receives.
    retries = Retry(
        total=2, backoff_factor=0.2, status_forcelist=(502, 503, 504), allowed_methods=None
    )
    session.mount("http://", HTTPAdapter(max_retries=retries))
    session.mount("https://", HTTPAdapter(max_retries=retries))
    return session


def request_doubling(url: str, number: int, task_token: str, timeout: float) -> None:
    try:
        response = _session().post(
            url, json={"number": number, "taskToken": task_token}, timeout=timeout
        )
    except requests.RequestException as error:
        raise ThirdPartyUnavailable(
            f"/double could not be reached: {type(error).__name__}"
        ) from error
    if response.status_code >= 400:
        raise ThirdPartyUnavailable(f"/double answered {response.status_code}")
