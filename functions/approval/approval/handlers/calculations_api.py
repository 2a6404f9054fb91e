"""POST /calculations starts a calculation (202, its id and execution ARN; retry-safe with an
Idempotency-Key);
GET /calculations/{id} returns its status and, once finished, its result."""

import uuid
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from approval.dal import approvals
from approval.logic.status import describe_calculation
from approval.settings import CalculationsApiSettings
from common import stepfunctions
from common.http import api_handler, json_response, problem, require_uuid, rest_api
from common.idempotency import RetrySafe
from common.observability import logger
from common.settings import load_settings

settings = load_settings(CalculationsApiSettings)
app = rest_api()
retry_safe = RetrySafe(settings.idempotency_table)
MAX_BODY_BYTES = 4096


@app.post("/calculations")
def start_calculation(request: Annotated[dict[str, Any], Body()]) -> Response[str]:
    if len((app.current_event.decoded_body or "").encode()) > MAX_BODY_BYTES:
        return problem(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes"
        )
    return retry_safe.answer(app, request, lambda: start(request))


def start(request: dict[str, Any]) -> tuple[HTTPStatus, dict]:
    # x and y are checked by the workflow itself (IsInputValid), so every request is traceable.
    # The id is random (unguessable): it names the execution and the status URL.
    calculation_id = str(uuid.uuid4())
    execution = stepfunctions.start_execution(settings.state_machine_arn, calculation_id, request)
    logger.info("calculation started", extra={"calculation_id": calculation_id})
    return HTTPStatus.ACCEPTED, {
        "id": calculation_id,
        "executionArn": execution.arn,
        "status": f"/calculations/{calculation_id}",
    }


@app.get("/calculations/<calculation_id>")
def get_calculation(calculation_id: str) -> Response[str]:
    require_uuid(calculation_id, "calculation")
    execution = stepfunctions.describe_execution(
        stepfunctions.execution_arn(settings.state_machine_arn, calculation_id)
    )
    if execution is None:
        return problem(HTTPStatus.NOT_FOUND, "no such calculation")
    waiting = execution["status"] == "RUNNING" and approvals.is_pending(
        settings.requests_table, calculation_id
    )
    return json_response(HTTPStatus.OK, describe_calculation(calculation_id, execution, waiting))


handler = api_handler(app, retry_safe=retry_safe)
