"""POST /double: the third-party service. Doubles the number and answers the task token:
SendTaskFailure when the result is 500 or more, else SendTaskSuccess, once per token.

Once means once even when the same request arrives again (client retries, API retries): the
answer is recorded with a conditional write (Powertools idempotency, keyed on the token), and a
repeat gets the recorded answer back without a second call to Step Functions.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
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
from pydantic import ValidationError

from approval import settings
from approval.dal import workflow
from approval.logic.calculation import double
from approval.models import DoubleRequest
from common.observability import logger, tracer

app = APIGatewayRestResolver()
persistence = DynamoDBPersistenceLayer(
    table_name=settings.load(settings.DoubleSettings).idempotency_table
)
once_per_token = IdempotencyConfig(
    event_key_jmespath="taskToken",
    # The same token with a different number is a broken client, not a repeat.
    payload_validation_jmespath="number",
    # Longer than any task waits for its answer (Calculate's timeout is 60 s).
    expires_after_seconds=24 * 3600,
)


@idempotent_function(
    data_keyword_argument="request",
    persistence_store=persistence,
    config=once_per_token,
    output_serializer=None,
)
def answer(request: DoubleRequest) -> dict:
    doubling = double(request.number)
    try:
        if doubling.accepted:
            workflow.succeed(request.task_token, doubling.as_result())
        else:
            workflow.fail(request.task_token, "DoubledNumberIsTooBig", doubling.refusal)
        delivered = True
    except workflow.TokenNoLongerAccepted:
        delivered = False  # the task gave up waiting; recorded so a repeat does not try again
    return {**doubling.as_result(), "accepted": doubling.accepted, "delivered": delivered}


def _json(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.post("/double")
def post_double() -> Response:
    try:
        request = DoubleRequest.model_validate(app.current_event.json_body)
    except (ValidationError, ValueError, TypeError):
        return _json(400, {"message": "send a JSON object with an integer number and a taskToken"})
    try:
        result = answer(request=request)
    except IdempotencyValidationError:
        return _json(409, {"message": "this taskToken was already answered for another number"})
    except IdempotencyAlreadyInProgressError:
        return _json(409, {"message": "this taskToken is being answered; retry shortly"})
    logger.info("token answered", extra={"accepted": result["accepted"]})
    return _json(200, result)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    once_per_token.register_lambda_context(context)
    return app.resolve(event, context)
