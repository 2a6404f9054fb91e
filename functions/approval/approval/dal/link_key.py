"""The HMAC key for approval links, generated into Secrets Manager by the stack."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters


def link_key(secret_id: str) -> bytes:
    # Cached for five minutes per warm process: one Secrets Manager call, not one per click.
    return parameters.get_secret(secret_id, max_age=300).encode()
