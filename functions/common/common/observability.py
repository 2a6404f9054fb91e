"""One Logger and one Tracer per function, named by POWERTOOLS_SERVICE_NAME (the workflow).

Handlers import these instead of building their own, so every function logs the same JSON
shape and traces the same way. Log fields go in `extra={...}`.

Traces never record a handler's or a method's return value or exception (Powertools records
both by default): they carry applications, pay and their validation errors. `instrumented` and
`traced` say so explicitly; POWERTOOLS_TRACER_CAPTURE_RESPONSE/ERROR=false in the template's
Globals cover any other use of the tracer. The full cause of a failure stays in the log.
"""

from collections.abc import Callable

from aws_lambda_powertools import Logger, Tracer

logger = Logger()
tracer = Tracer()


def instrumented[F: Callable](handler: F) -> F:
    """A Lambda handler that logs with its context (cold start, request id) and is traced
    (timings and annotations only)."""
    return logger.inject_lambda_context(
        tracer.capture_lambda_handler(handler, capture_response=False, capture_error=False)
    )


def traced[F: Callable](method: F) -> F:
    """A traced step inside a handler (timings only, never its result or exception)."""
    return tracer.capture_method(method, capture_response=False, capture_error=False)
