"""The failed list's pagination cursor: opaque to callers (base64url JSON of the last key)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

KEY_FIELDS = ("id", "status", "created")


class BadCursor(ValueError):
    pass


def encode(key: dict[str, Any]) -> str:
    document = json.dumps({name: key[name] for name in KEY_FIELDS}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("cursor: not a cursor this API gave") from None
    if not isinstance(key, dict) or set(key) != set(KEY_FIELDS):
        raise BadCursor("cursor: not a cursor this API gave")
    if not all(isinstance(value, str) for value in key.values()):
        raise BadCursor("cursor: not a cursor this API gave")
    return key
