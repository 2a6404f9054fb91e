"""The issuer's signing keys (JWKS), fetched over HTTP and kept for a while.

A key id not in the cached set (the issuer rotated its keys) refetches the set, at most once
every REFETCH_SECONDS, so a flood of tokens with made-up key ids cannot hammer the issuer.
"""

from __future__ import annotations

import threading
import time

import jwt
import requests

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
            age = time.monotonic() - self._fetched_at
            if age > self._cache_seconds or (key_id not in self._keys and age > REFETCH_SECONDS):
                self._fetch()
            return self._keys.get(key_id)

    def forget(self) -> None:
        with self._lock:
            self._keys, self._fetched_at = {}, float("-inf")
