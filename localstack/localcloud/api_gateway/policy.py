"""What API Gateway decides without LocalStack: IAM policy evaluation for execute-api, token
buckets, and an expiring cache. Pure, so the rules are testable on their own."""

from __future__ import annotations

import enum
import re
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar

INVOKE_ACTIONS = ("execute-api:invoke",)


class Verdict(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


class MalformedPolicy(ValueError):
    """The authorizer's answer is not a policy API Gateway can evaluate."""


def method_arn(region: str, account_id: str, api_id: str, stage: str, method: str, path: str):
    """The ARN an authorizer's policy is evaluated against: the request's own path."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


@cache
def _wildcard(pattern: str) -> re.Pattern:
    # IAM wildcards: '*' any run of characters (across '/' too), '?' one character.
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _as_list(value: Any, field: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise MalformedPolicy(f"{field} must be a string or a list of strings")
    return values


def _action_matches(actions: list[str]) -> bool:
    return any(
        _wildcard(action).fullmatch(wanted) for action in actions for wanted in INVOKE_ACTIONS
    )


def evaluate(policy: Any, arn: str) -> Verdict:
    """An explicit Deny wins; otherwise an Allow matching the ARN; otherwise implicit deny."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
        raise MalformedPolicy("policyDocument must hold a Statement")
    statements = policy["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            raise MalformedPolicy("each Statement must be an object")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise MalformedPolicy("Effect must be Allow or Deny")
        actions = _as_list(statement.get("Action", []), "Action")
        resources = _as_list(statement.get("Resource", []), "Resource")
        if not _action_matches(actions):
            continue
        if not any(_wildcard(resource).fullmatch(arn) for resource in resources):
            continue
        if effect == "Deny":
            return Verdict.EXPLICIT_DENY
        allowed = True
    return Verdict.ALLOW if allowed else Verdict.IMPLICIT_DENY


class TokenBucket:
    """API Gateway's throttle: `burst` tokens at most, refilled at `rate` a second; a request
    takes one token or is throttled."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = max(float(rate), 0.0)
        self.burst = max(int(burst), 0)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class Buckets:
    """Token buckets by key, re-made when the limits for a key change (a redeployed stage)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[Any, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, key: Any, rate: float, burst: int) -> bool:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (max(float(rate), 0.0), burst):
                bucket = self._buckets[key] = TokenBucket(rate, burst, self._clock)
        return bucket.take()


class QuotaCounter:
    """Requests per key in the current quota period (a usage plan's quota)."""

    PERIOD_SECONDS: ClassVar[dict[str, int]] = {
        "DAY": 86_400,
        "WEEK": 7 * 86_400,
        "MONTH": 30 * 86_400,
    }

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._counts: dict[Any, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def take(self, key: Any, limit: int, period: str, offset: int = 0) -> bool:
        seconds = self.PERIOD_SECONDS.get(period, 86_400)
        window = int((self._clock() - offset * 86_400) // seconds)
        with self._lock:
            seen_window, count = self._counts.get(key, (window, 0))
            if seen_window != window:
                count = 0
            if count >= limit:
                return False
            self._counts[key] = (window, count + 1)
            return True


class ExpiringCache:
    """Values kept for their own time to live (an authorizer's result by identity)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000):
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Any, value: Any, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max_entries:
                now = self._clock()
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self._max_entries:
                    self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (self._clock() + ttl_seconds, value)
