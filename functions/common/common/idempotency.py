"""POSTs a client may retry safely: the same `Idempotency-Key` header gets the first answer back
and does the work once (Powertools idempotency, recorded in a DynamoDB table).

    retry_safe = RetrySafe(settings.idempotency_table)

    @app.post("/things")
    def add_thing(body: ...) -> Response[str]:
        return retry_safe.answer(app, body, lambda: start_the_thing(body))  # -> (status, body)

    handler = api_handler(app, retry_safe=retry_safe)

Without the header a POST is simply done (each call is a new one). The same key with another
body is refused (422), and a repeat while the first is still being answered gets 409.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.http import json_response, problem

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# How long a key is remembered: longer than any client keeps retrying one request.
KEY_LIFETIME_SECONDS = 24 * 3600

Answer = tuple[int, dict[str, Any]]


class RetrySafe:
    def __init__(self, table_name: str, expires_after_seconds: int = KEY_LIFETIME_SECONDS):
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            # The same key with another body is a client bug, not a retry.
            payload_validation_jmespath="request",
            expires_after_seconds=expires_after_seconds,
        )
        self._table_name = table_name

    @cached_property
    def _once(self) -> Callable[..., dict[str, Any]]:
        # Made at the first POST, not at import: the DynamoDB client needs the region and
        # credentials of the process that uses it.
        return idempotent_function(
            data_keyword_argument="call",
            persistence_store=DynamoDBPersistenceLayer(table_name=self._table_name),
            config=self.config,
            output_serializer=None,
        )(_run)

    def register(self, context: LambdaContext) -> None:
        # A record left "in progress" by a timed-out invocation expires with the invocation.
        self.config.register_lambda_context(context)

    def answer(
        self, app: APIGatewayRestResolver, request: Any, act: Callable[[], Answer]
    ) -> Response:
        key = app.current_event.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
            return problem(
                HTTPStatus.BAD_REQUEST,
                f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters",
            )
        if key is None:  # not retry-safe: every call is a new one
            recorded = _run({"key": None, "request": request}, act)
            return json_response(recorded["statusCode"], recorded["body"])
        try:
            recorded = self._once(call={"key": key, "request": request}, act=act)
        except IdempotencyValidationError:
            return problem(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                f"this {IDEMPOTENCY_HEADER} was already used for a different request",
            )
        except IdempotencyAlreadyInProgressError:
            return problem(
                HTTPStatus.CONFLICT,
                f"a request with this {IDEMPOTENCY_HEADER} is still being answered; retry shortly",
            )
        return json_response(recorded["statusCode"], recorded["body"])


def _run(call: dict[str, Any], act: Callable[[], Answer]) -> dict[str, Any]:
    status, body = act()
    return {"statusCode": int(status), "body": body}
