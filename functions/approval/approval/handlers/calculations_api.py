"""POST /calculations starts a calculation (202, its id and execution ARN);
GET /calculations/{id} returns its status and, once finished, its result."""

from __future__ import annotations

import json
import uuid

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from approval import settings
from approval.dal import approvals, workflow
from approval.logic.status import describe_calculation
from common.observability import logger, tracer

app = APIGatewayRestResolver()
MAX_BODY_BYTES = 4096


def _json(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.post("/calculations")
def start_calculation() -> Response:
    config = settings.load(settings.CalculationsApiSettings)
    body = app.current_event.decoded_body or ""
    if len(body.encode()) > MAX_BODY_BYTES:
        return _json(413, {"message": f"the body is over {MAX_BODY_BYTES} bytes"})
    try:
        request = json.loads(body)
    except ValueError:
        return _json(400, {"message": 'send a JSON object such as {"x": 125, "y": 122}'})
    if not isinstance(request, dict):
        return _json(400, {"message": 'send a JSON object such as {"x": 125, "y": 122}'})
    # x and y are checked by the workflow itself (IsInputValid), so every request is traceable.
    calculation_id = str(uuid.uuid4())
    execution_arn = workflow.start(config.state_machine_arn, calculation_id, request)
    logger.info("calculation started", extra={"calculation_id": calculation_id})
    return _json(
        202,
        {
            "id": calculation_id,
            "executionArn": execution_arn,
            "status": f"/calculations/{calculation_id}",
        },
    )


@app.get("/calculations/<calculation_id>")
def get_calculation(calculation_id: str) -> Response:
    config = settings.load(settings.CalculationsApiSettings)
    try:
        uuid.UUID(calculation_id)
    except ValueError:
        return _json(404, {"message": "no such calculation"})
    execution = workflow.describe(workflow.execution_arn(config.state_machine_arn, calculation_id))
    if execution is None:
        return _json(404, {"message": "no such calculation"})
    waiting = execution["status"] == "RUNNING" and approvals.is_pending(
        config.requests_table, calculation_id
    )
    return _json(200, describe_calculation(calculation_id, execution, waiting))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
