"""POST /double: the third-party service. Doubles the number and answers the task token:
SendTaskFailure when the result is 500 or more, else SendTaskSuccess, once per token.

Once means once even when the same request arrives again (client retries, API retries): the
answer is recorded with a conditional write (Powertools idempotency, keyed on the token), and a
repeat gets the recorded answer back without a second call to Step Functions.
"""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
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

from approval.logic.calculation import double
from approval.models import DoubleRequest
from approval.settings import DoubleSettings
from common import stepfunctions
from common.http import api_handler, json_response, problem, rest_api
from common.observability import logger
from common.settings import load_settings

settings = load_settings(DoubleSettings)
app = rest_api()
persistence = DynamoDBPersistenceLayer(table_name=settings.double_idempotency_table)
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
            stepfunctions.send_task_success(request.task_token, doubling.as_result())
        else:
            stepfunctions.send_task_failure(
                request.task_token, "DoubledNumberIsTooBig", doubling.refusal
            )
        delivered = True
    except stepfunctions.TaskNoLongerWaiting:
        delivered = False  # the task gave up waiting; recorded so a repeat does not try again
    return {**doubling.as_result(), "accepted": doubling.accepted, "delivered": delivered}


@app.post("/double")
def post_double(request: DoubleRequest) -> Response[str]:
    try:
        result = answer(request=request)
    except IdempotencyValidationError:
        return problem(
            HTTPStatus.CONFLICT, "this taskToken was already answered for another number"
        )
    except IdempotencyAlreadyInProgressError:
        return problem(HTTPStatus.CONFLICT, "this taskToken is being answered; retry shortly")
    logger.info("token answered", extra={"accepted": result["accepted"]})
    return json_response(HTTPStatus.OK, result)


_resolve = api_handler(app)


def handler(event: dict, context: LambdaContext) -> dict:
    once_per_token.register_lambda_context(context)
    return _resolve(event, context)
