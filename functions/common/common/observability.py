"""One Logger and one Tracer per function, named by POWERTOOLS_SERVICE_NAME (the workflow).

Handlers import these instead of building their own, so every function logs the same JSON
shape and traces the same way. Log fields go in `extra={...}`.
"""

from collections.abc import Callable

from aws_lambda_powertools import Logger, Tracer

logger = Logger()
tracer = Tracer()


def instrumented[F: Callable](handler: F) -> F:
    """A Lambda handler that logs with its context (cold start, request id) and is traced."""
    return logger.inject_lambda_context(tracer.capture_lambda_handler(handler))
