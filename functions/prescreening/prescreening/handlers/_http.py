"""Shared by the REST handlers: JSON bodies in, problem answers out."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types


def answer(status: HTTPStatus, body: dict[str, Any]) -> Response:
    return Response(
        status_code=status.value, content_type=content_types.APPLICATION_JSON, body=json.dumps(body)
    )


def problem(status: HTTPStatus, message: str, errors: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return answer(status, body)


class BadBody(Exception):
    pass


def json_body(raw: str | None) -> Any:
    try:
        return json.loads(raw or "")
    except ValueError as error:
        raise BadBody("body is not valid JSON") from error
