"""Names and helpers the approval unit tests share (conftest.py holds the fixtures)."""

from __future__ import annotations

import importlib

REQUESTS_TABLE = "approval-requests"
IDEMPOTENCY_TABLE = "approval-double-idempotency"
SECRET_NAME = "approval-link-key"
LINK_KEY = "k" * 64
SENDER = "approvals@example.com"
APPROVER = "approver@example.com"
API_URL = "https://api.example.com/dev"


def fresh(module: str):
    """Import a handler module after the environment is set (some read settings at import)."""
    return importlib.reload(importlib.import_module(module))
