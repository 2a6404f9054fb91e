"""Names the approval unit tests share (conftest.py holds the fixtures)."""

from __future__ import annotations

REQUESTS_TABLE = "approval-requests"
IDEMPOTENCY_TABLE = "approval-double-idempotency"
SECRET_NAME = "approval-link-key"
LINK_KEY = "k" * 64
SENDER = "approvals@example.com"
APPROVER = "approver@example.com"
