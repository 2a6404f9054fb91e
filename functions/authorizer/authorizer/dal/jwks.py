"""The issuer's signing keys (JWKS), fetched over HTTP and kept for a while.

A key id not in the cached set (the issuer rotated its keys) refetches the set, at most once
every REFETCH_SECONDS, so a flood of tokens with made-up key ids cannot hammer the issuer.
"""

from __future__ import annotations

import threading
import time

import jwt
import requests

from authorizer.settings import settings

REFETCH_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 5.0


class KeySetUnavailable(Exception):
    """The issuer's key set could not be fetched or read."""


class _KeySet:
    def __init__(self) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        url = settings().jwks_url
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
            if age > settings().jwks_cache_seconds or (
                key_id not in self._keys and age > REFETCH_SECONDS
            ):
                self._fetch()
            return self._keys.get(key_id)

    def forget(self) -> None:
        with self._lock:
            self._keys, self._fetched_at = {}, float("-inf")


key_set = _KeySet()
