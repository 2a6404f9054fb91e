"""Traces never record what a handler returns or raises (applications, pay, their errors)."""

from __future__ import annotations

import pytest

from common import http, observability
from common.observability import instrumented, traced, tracer
from support.template import load_template

MARKER = "MARKER-personal-4711"


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, object]]:
    """What the tracer was asked to record, and whether it would have."""
    calls: list[tuple[str, object]] = []

    def response(method_name=None, data=None, subsegment=None, capture_response=None):
        calls.append(("response", capture_response))

    def error(method_name, error, subsegment, capture_error=None):
        calls.append(("error", capture_error))

    monkeypatch.setattr(tracer, "_add_response_as_metadata", response)
    monkeypatch.setattr(tracer, "_add_full_exception_as_metadata", error)
    return calls


def test_an_instrumented_handler_s_answer_is_not_traced(recorded, lambda_context):
    @instrumented
    def handler(event, context):
        return {"name": MARKER}

    assert handler({}, lambda_context) == {"name": MARKER}
    assert recorded == [("response", False)]


def test_an_instrumented_handler_s_exception_is_not_traced(recorded, lambda_context):
    @instrumented
    def handler(event, context):
        raise ValueError(MARKER)

    with pytest.raises(ValueError):
        handler({}, lambda_context)
    assert recorded == [("error", False)]


def test_a_traced_method_s_result_and_exception_are_not_traced(recorded):
    @traced
    def step(fail: bool):
        if fail:
            raise ValueError(MARKER)
        return MARKER

    step(False)
    with pytest.raises(ValueError):
        step(True)
    assert recorded == [("response", False), ("error", False)]


def test_an_api_handler_s_answer_is_not_traced(recorded, lambda_context):
    app = http.rest_api()
    handler = http.api_handler(app)
    handler({"path": "/nothing", "httpMethod": "GET", "requestContext": {}}, lambda_context)
    assert [flag for _, flag in recorded] == [False]


def test_every_function_s_tracer_defaults_to_recording_neither():
    # Any other use of the tracer (a route's capture_method) follows the stack's defaults.
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
    assert observability.__doc__ and "never record" in observability.__doc__
