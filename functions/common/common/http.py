"""Every REST API function: Powertools' resolver with request validation, one error shape, a
correlation id in every log line, and strict JSON out.

    app = rest_api()

    @app.post("/things")
    def add_thing(thing: Thing) -> Response: ...   # a pydantic body, validated by Powertools

    handler = api_handler(app)

Every error answer is {"message": "...", "errors": ["field: what is wrong", ...]} ("errors" only
when there are field errors), whatever the API and whatever went wrong.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.errors import field_errors
from common.observability import logger, tracer

if TYPE_CHECKING:
    from common.idempotency import RetrySafe

CORRELATION_HEADER = "X-Correlation-Id"
CALLER_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def to_json(value: Any) -> str:
    """Valid JSON only: NaN and Infinity are refused (ValueError), not written."""
    return json.dumps(value, allow_nan=False, default=_number)


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(status: HTTPStatus | int, body: dict[str, Any]) -> Response:
    # Serialised here, not by the resolver, so a non-finite number fails inside the route,
    # where the error handlers turn it into a 500 in the one error shape.
    return Response(
        status_code=int(status), content_type=content_types.APPLICATION_JSON, body=to_json(body)
    )


def problem(status: HTTPStatus | int, message: str, errors: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return json_response(status, body)


def require_uuid(value: str, what: str) -> str:
    """`value`, when it is a UUID (the random ids an API hands out); otherwise the route answers
    404 "no such <what>", as for an id it does not know: a malformed id names nothing."""
    try:
        uuid.UUID(value)
    except ValueError:
        # A plain ServiceError: Powertools answers a NotFoundError as an unknown route.
        raise ServiceError(HTTPStatus.NOT_FOUND, f"no such {what}") from None
    return value


def caller_subject(app: APIGatewayRestResolver) -> str | None:
    """Who the API Gateway authorizer let in (its context's subject, else its principalId), or
    None when the request came through no authorizer. A staff endpoint records this, never a
    name the body gives."""
    authorizer = app.current_event.request_context.authorizer
    subject = authorizer.get("subject") or authorizer.principal_id
    return subject if isinstance(subject, str) and subject else None


def caller_claim(app: APIGatewayRestResolver, name: str) -> str | None:
    """A claim of the caller's token that the authorizer passed on in its context (API Gateway
    hands every value over as text), or None when it did not."""
    value = (app.current_event.request_context.authorizer or {}).get(name)
    return str(value) if value not in (None, "") else None


def rest_api() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, serializer=to_json)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        errors = error.errors()
        if any(item.get("type") == "json_invalid" for item in errors):
            return problem(HTTPStatus.BAD_REQUEST, "the body is not valid JSON")
        return problem(
            HTTPStatus.BAD_REQUEST, "invalid request", field_errors(errors, drop_prefix=("body",))
        )

    @app.exception_handler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        return problem(error.status_code, error.msg)

    @app.not_found
    def not_found(_: Exception) -> Response:
        return problem(HTTPStatus.NOT_FOUND, "no such resource")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("request failed")
        return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; try again later")

    return app


def correlation_id(event: dict) -> str | None:
    """The caller's own X-Correlation-Id when it is a plain token (letters, digits, `.`, `_`,
    `:`, `-`; at most 128: it goes into every log line), else API Gateway's request id."""
    sent = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    own = sent.get(CORRELATION_HEADER.lower())
    if isinstance(own, str) and CALLER_CORRELATION_ID.fullmatch(own):
        return own
    return (event.get("requestContext") or {}).get("requestId")


def api_handler(
    app: APIGatewayRestResolver, *, retry_safe: RetrySafe | None = None
) -> Callable[[dict, LambdaContext], dict]:
    """The function's handler: logs carry the request's correlation_id, which the answer echoes
    in X-Correlation-Id. `retry_safe`: the routes' common.idempotency.RetrySafe."""

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False, capture_error=False)
    def handler(event: dict, context: LambdaContext) -> dict:
        echoed = correlation_id(event)
        logger.set_correlation_id(echoed)
        if retry_safe is not None:
            retry_safe.register(context)
        answer = app.resolve(event, context)
        if echoed:
            if "multiValueHeaders" in answer:  # REST (payload 1.0) answers
                answer["multiValueHeaders"][CORRELATION_HEADER] = [echoed]
            else:
                answer.setdefault("headers", {})[CORRELATION_HEADER] = echoed
        return answer

    return handler
