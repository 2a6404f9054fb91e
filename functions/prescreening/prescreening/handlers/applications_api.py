"""POST /applications (validate, put on the stream, 202) and GET /applications/{id}."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from common.observability import logger, tracer
from prescreening.dal import applications, stream
from prescreening.handlers._http import BadBody, answer, json_body, problem
from prescreening.models import Application, NewApplication, describe_errors

app = APIGatewayRestResolver()

# What GET may show: status and decision, never personal data.
PUBLIC_FIELDS = (
    "applicationId",
    "status",
    "decision",
    "reasons",
    "referralReasons",
    "reviewedBy",
    "product",
    "requestedAmount",
    "termMonths",
    "receivedAt",
    "decidedAt",
)


@app.post("/applications")
@tracer.capture_method
def submit_application() -> Response:
    try:
        body = json_body(app.current_event.body)
        if not isinstance(body, dict):
            raise BadBody("body must be a JSON object")
        application = Application.model_validate(NewApplication.model_validate(body).with_id())
    except BadBody as error:
        return problem(HTTPStatus.BAD_REQUEST, str(error))
    except ValidationError as error:
        return problem(HTTPStatus.BAD_REQUEST, "invalid application", describe_errors(error))
    stream.put_application(application.to_json())
    logger.info("application accepted", application_id=application.application_id)
    return answer(
        HTTPStatus.ACCEPTED,
        {
            "applicationId": application.application_id,
            "status": "received",
            "statusUrl": f"/applications/{application.application_id}",
        },
    )


@app.get("/applications/<application_id>")
@tracer.capture_method
def application_status(application_id: str) -> Response:
    found = applications.get(application_id)
    if found is None:
        return problem(
            HTTPStatus.NOT_FOUND, "no such application (a new one may still be on its way)"
        )
    return answer(HTTPStatus.OK, {key: found[key] for key in PUBLIC_FIELDS if key in found})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
