"""The issuer's signing keys (JWKS), fetched over HTTP and kept for a while.

A key id not in the cached set (the issuer rotated its keys) refetches the set, at most once
every REFETCH_SECONDS, so a flood of tokens with made-up key ids cannot hammer the issuer.
While the issuer cannot be reached, the keys already fetched keep verifying tokens and the issuer
is asked again every REFETCH_SECONDS, not for every token (each try can wait
FETCH_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import threading
import time

import jwt
import requests

from common.observability import logger

REFETCH_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 5.0


class KeySetUnavailable(Exception):
    """The issuer's key set could not be fetched or read."""


class KeySet:
    """The key set at `url`, kept `cache_seconds`."""

    def __init__(self, url: str, cache_seconds: float) -> None:
        self._url, self._cache_seconds = url, cache_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._next_try = float("-inf")
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        url = self._url
        try:
            response = requests.get(url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWTError) as error:
            raise KeySetUnavailable(f"{url}: {type(error).__name__}: {error}") from error
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
        self._fetched_at = time.monotonic()

    def signing_key(self, key_id: str) -> jwt.PyJWK | None:
        with self._lock:
            now = time.monotonic()
            age = now - self._fetched_at
            stale = age > self._cache_seconds
            unknown = key_id not in self._keys and age > REFETCH_SECONDS
            if (stale or unknown) and now >= self._next_try:
                self._refresh(now)
            return self._keys.get(key_id)

    def _refresh(self, now: float) -> None:
        try:
            self._fetch()
        except KeySetUnavailable as error:
            self._next_try = now + REFETCH_SECONDS
            if not self._keys:
                raise
            logger.warning(
                "issuer key set unavailable; verifying with the cached keys", reason=str(error)
            )

    def forget(self) -> None:
        with self._lock:
            self._keys, self._fetched_at, self._next_try = {}, float("-inf"), float("-inf")
