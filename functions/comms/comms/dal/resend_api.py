"""The re-send endpoint, called over HTTPS with the workflow's client-credentials token."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from common.aws import client

# Transient answers worth another try; 502 is the provider's refusal (an answer, not a fault).
RETRY_STATUSES = (429, 500, 503, 504)
TOKEN_MARGIN_SECONDS = 60


class ResendFailed(Exception):
    """The endpoint could not be reached or answered unexpectedly (after the retries)."""


def session(retries: int) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.5,
        backoff_jitter=0.5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),  # the endpoint is idempotent per attempt
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


class ServiceToken:
    """A client-credentials access token, fetched from the token endpoint named in the secret
    ({"clientId", "clientSecret", "scope", "tokenUrl"}; without tokenUrl, default_token_url)
    and reused until shortly before it expires."""

    def __init__(
        self,
        secret_id: str,
        http: requests.Session,
        timeout_seconds: float,
        default_token_url: str,
    ):
        self._secret_id = secret_id
        self._default_token_url = default_token_url
        self._http = http
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str:
        with self._lock:
            # Expiry is an instant of the wall clock, the one the API's authorizer checks `exp`
            # against (a monotonic clock does not follow the local cloud's clock moves).
            if self._token is None or time.time() >= self._expires:
                self._token, lifetime = self._fetch()
                self._expires = time.time() + max(lifetime - TOKEN_MARGIN_SECONDS, 0)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        secret = json.loads(
            client("secretsmanager").get_secret_value(SecretId=self._secret_id)["SecretString"]
        )
        answer = self._http.post(
            secret.get("tokenUrl") or self._default_token_url,
            data={"grant_type": "client_credentials", "scope": secret["scope"]},
            auth=(secret["clientId"], secret["clientSecret"]),
            timeout=self._timeout,
        )
        if answer.status_code != 200:
            raise ResendFailed(f"token endpoint answered {answer.status_code}")
        token = answer.json()
        return token["access_token"], float(token.get("expires_in", 3600))


class ResendApi:
    def __init__(self, api_url: str, secret_id: str, *, timeout_seconds: float, retries: int):
        self._url = api_url.rstrip("/")
        self._http = session(retries)
        self._timeout = timeout_seconds
        # The stack's own token endpoint (the local stage) unless the secret names one.
        own_token_url = f"{self._url}/sandbox/oauth2/token"
        self.token = ServiceToken(secret_id, self._http, timeout_seconds, own_token_url)

    def resend(self, communication_id: str) -> dict[str, Any]:
        """{"id", "outcome": sent | failed | manual | skipped, "reason"}; ResendFailed when
        the endpoint cannot say."""
        try:
            answer = self._http.post(
                f"{self._url}/communications/{communication_id}/send",
                headers={"Authorization": f"Bearer {self.token()}"},
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise ResendFailed(type(error).__name__) from None
        outcome = {"id": communication_id}
        body = _json(answer)
        match answer.status_code:
            case 200:
                return {**outcome, "outcome": "sent", "reason": ""}
            case 502:
                manual = body.get("status") == "MANUAL"
                reason = str(body.get("reason") or "provider refused")
                return {**outcome, "outcome": "manual" if manual else "failed", "reason": reason}
            case 409:
                return {**outcome, "outcome": "skipped", "reason": f"status {body.get('status')}"}
            case 404:
                return {**outcome, "outcome": "failed", "reason": "not found"}
        raise ResendFailed(f"the re-send endpoint answered {answer.status_code}")


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
