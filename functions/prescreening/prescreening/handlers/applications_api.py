"""POST /applications (validate, give it an id, put it on the stream, 202; retry-safe with an
Idempotency-Key) and GET /applications/{id}."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import ValidationError

from common.errors import field_errors
from common.http import api_handler, json_response, problem, rest_api
from common.idempotency import RetrySafe
from common.observability import logger, traced
from common.settings import load_settings
from prescreening.dal import applications, stream
from prescreening.models import Application, new_application_id
from prescreening.settings import ApplicationsApiSettings

settings = load_settings(ApplicationsApiSettings)
app = rest_api()
retry_safe = RetrySafe(settings.idempotency_table)

# What GET may show: status and decision (or the step that failed and its error's name), never
# personal data, the stored record, who reviewed it (staff see that) or a reviewer's note.
PUBLIC_FIELDS = (
    "applicationId",
    "status",
    "decision",
    "reasons",
    "referralReasons",
    "product",
    "requestedAmount",
    "termMonths",
    "receivedAt",
    "decidedAt",
    "failure",
    "failedAt",
)


@app.post("/applications")
@traced
def submit_application(body: Annotated[dict[str, Any], Body()]) -> Response[str]:
    # The id is the service's (random, unguessable): a client cannot pick one that collides
    # with someone else's. A client that retries sends an Idempotency-Key instead.
    if "applicationId" in body:
        return problem(
            HTTPStatus.BAD_REQUEST,
            "invalid request",
            [
                "applicationId: given by the service; leave it out (send an Idempotency-Key to "
                "retry safely)"
            ],
        )
    try:
        application = Application.model_validate({**body, "applicationId": new_application_id()})
    except ValidationError as error:
        return problem(HTTPStatus.BAD_REQUEST, "invalid request", field_errors(error))
    return retry_safe.answer(app, body, lambda: accept(application))


def accept(application: Application) -> tuple[HTTPStatus, dict]:
    applications.mark_issued(settings.applications_table, application.application_id)
    stream.put_application(settings.application_stream_name, application.to_json())
    logger.info("application accepted", extra={"application_id": application.application_id})
    return HTTPStatus.ACCEPTED, {
        "applicationId": application.application_id,
        "status": applications.Status.RECEIVED,
        "statusUrl": f"/applications/{application.application_id}",
    }


@app.get("/applications/<application_id>")
@traced
def application_status(application_id: str) -> Response[str]:
    # Only ids this service issued: a producer's own ids on the stream could be walked.
    found = applications.issued_status(settings.applications_table, application_id)
    if found is None:
        return problem(
            HTTPStatus.NOT_FOUND, "no such application (a new one may still be on its way)"
        )
    return json_response(HTTPStatus.OK, {key: found[key] for key in PUBLIC_FIELDS if key in found})


handler = api_handler(app, retry_safe=retry_safe)
