"""The sandbox credit bureau: POST /sandbox/credit-bureau/reports, scored deterministically
from the applicant (see logic.credit.sandbox_report) so tests and demos choose their outcome."""

from __future__ import annotations

import hashlib
from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.observability import logger, tracer
from prescreening.handlers._http import BadBody, answer, json_body, problem
from prescreening.logic.credit import SandboxOutage, sandbox_report

app = APIGatewayRestResolver()


@app.post("/sandbox/credit-bureau/reports")
def credit_report() -> Response:
    try:
        body = json_body(app.current_event.body)
    except BadBody as error:
        return problem(HTTPStatus.BAD_REQUEST, str(error))
    national_id = body.get("nationalId") if isinstance(body, dict) else None
    if not isinstance(national_id, str) or not national_id.isdigit() or len(national_id) != 9:
        return problem(HTTPStatus.BAD_REQUEST, "nationalId: nine digits expected")
    try:
        report = sandbox_report(national_id)
    except SandboxOutage:
        return problem(HTTPStatus.SERVICE_UNAVAILABLE, "bureau unavailable (sandbox outage)")
    reference = hashlib.sha256(national_id.encode()).hexdigest()[:12]
    return answer(HTTPStatus.OK, {"reference": reference, **report})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
