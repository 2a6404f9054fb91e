"""What a denied call was made for, so a denial can be shown beside its cause: the Lambda
invocation whose code made it, or the Step Functions state whose own service call it was.

- A function's SDK sends the invocation's `_X_AMZN_TRACE_ID` as the `X-Amzn-Trace-Id` header
  (botocore does so inside Lambda); the Lambda host notes which invocation runs under which
  trace (`invocation_running`), and the gateway judges a request `called_with` its header.
- Step Functions' own calls (a task's integration, made as the machine's role) are made in the
  state's thread: the state is noted there (`state_running`).

The journal adds `attributes()` to each denial it writes, and keeps the attributed ones of
late (`recent_denials`) for the console. Nothing here judges anything.
"""

from __future__ import annotations

import collections
import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Attributed denials kept for the console; the oldest forgotten first.
_MAX_RECENT = 20_000

_state: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "state_running", default=None
)
_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar("called_with", default=None)
_invocations: dict[str, str] = {}  # trace (Root and Parent) -> Lambda request id, while running
_lock = threading.Lock()
_recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=_MAX_RECENT)


def trace_key(header: str | None) -> str | None:
    """The Root and Parent of a trace header (`Root=1-..;Parent=..;Sampled=1`), which name one
    invocation; None without a Root."""
    fields = dict(part.strip().split("=", 1) for part in (header or "").split(";") if "=" in part)
    if not fields.get("Root"):
        return None
    return f"{fields['Root']};{fields.get('Parent', '')}"


@contextmanager
def invocation_running(trace_header: str | None, request_id: str) -> Iterator[None]:
    key = trace_key(trace_header)
    if key:
        with _lock:
            _invocations[key] = request_id
    try:
        yield
    finally:
        if key:
            with _lock:
                _invocations.pop(key, None)


@contextmanager
def state_running(execution_arn: str, state: str, map_index: int | None) -> Iterator[None]:
    token = _state.set({"execution": execution_arn, "state": state, "mapIndex": map_index})
    try:
        yield
    finally:
        _state.reset(token)


@contextmanager
def called_with(trace_header: str | None) -> Iterator[None]:
    token = _trace.set(trace_header)
    try:
        yield
    finally:
        _trace.reset(token)


def attributes() -> dict[str, Any]:
    """What the call being judged was made for: {} when nothing is known."""
    found: dict[str, Any] = dict(_state.get() or {})
    key = trace_key(_trace.get())
    if key:
        with _lock:
            request_id = _invocations.get(key)
        if request_id:
            found["lambdaRequestId"] = request_id
    return found


def remember(denial: dict[str, Any]) -> None:
    """Keep a journalled denial that names its cause, for the console."""
    if "lambdaRequestId" in denial or "execution" in denial:
        _recent.append(denial)


def recent_denials(execution_arn: str, lambda_request_ids: set[str]) -> list[dict[str, Any]]:
    """The denials kept that one execution's states made, themselves or through the Lambda
    invocations named."""
    return [
        d
        for d in list(_recent)
        if d.get("execution") == execution_arn or d.get("lambdaRequestId") in lambda_request_ids
    ]
