"""POST /communications (store one, enqueue a message naming it), GET /communications/failed
(filtered, paginated with an opaque cursor) and POST /communications/{id}/send (re-send one).

Operators call all three; the retry workflow calls the re-send with its service token.
"""

import uuid
from datetime import UTC
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from common.errors import field_errors
from common.http import api_handler, caller_subject, json_response, problem, rest_api
from common.observability import logger, traced
from common.settings import load_settings
from comms.attempts import Result, resend_attempt
from comms.dal import communications, queues
from comms.logic import cursor
from comms.models import FailedQuery, NewCommunication, SendRequest, Status
from comms.settings import ApiSettings

settings = load_settings(ApiSettings)
app = rest_api()

# What the failed list shows: never the recipient or the body (personal data).
LISTED_FIELDS = ("id", "type", "createdBy", "created", "status", "attempts", "lastError")


@app.post("/communications")
@traced
def store_communication(communication: NewCommunication) -> Response[str]:
    created_by = caller_subject(app)
    if not created_by:
        return problem(HTTPStatus.FORBIDDEN, "no caller identity")
    item = {
        "id": str(uuid.uuid4()),
        **communication.model_dump(exclude_none=True),
        "createdBy": created_by,
        "created": communications.now_iso(),
        "status": str(Status.QUEUED),
        "sent": 0,
        "attempts": 0,
        # Claimed by then, or the sweeper queues its message (queueing it below may fail).
        "settleBy": communications.now_epoch() + communications.QUEUED_LEASE_SECONDS,
    }
    communications.put_new(settings.communications_table, item)
    request = SendRequest(primaryId=item["id"], createdBy=created_by, created=item["created"])
    try:
        queues.enqueue(settings.queue_url, request)
    except (BotoCoreError, ClientError):
        # Stored, so not lost: CommsReclaimFunction queues it once its settleBy has passed.
        logger.exception("message not queued; the sweeper will", extra={"id": item["id"]})
    logger.info("communication stored", extra={"id": item["id"], "type": item["type"]})
    return json_response(
        HTTPStatus.ACCEPTED, {"id": item["id"], "status": item["status"], "sent": 0}
    )


@app.get("/communications/failed")
@traced
def failed_communications(
    type: Annotated[str | None, Query()] = None,
    created_by: Annotated[str | None, Query(alias="createdBy")] = None,
    created_after: Annotated[str | None, Query(alias="createdAfter")] = None,
    limit: Annotated[int, Query()] = 20,
    page: Annotated[str | None, Query(alias="cursor")] = None,
) -> Response[str]:
    try:
        query = FailedQuery.model_validate(
            {
                "type": type,
                "createdBy": created_by,
                "createdAfter": created_after,
                "limit": limit,
                "cursor": page,
            }
        )
        start_key = cursor.decode(query.cursor) if query.cursor else None
    except ValidationError as error:
        return problem(HTTPStatus.BAD_REQUEST, "invalid request", field_errors(error))
    except cursor.BadCursor as error:
        return problem(HTTPStatus.BAD_REQUEST, "invalid request", [str(error)])
    after = None
    if query.created_after:
        # The table's timestamps are UTC "...Z" strings: compare like with like.
        moment = query.created_after
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        after = moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    items, last_key = communications.failed_page(
        settings.communications_table,
        type_=query.type,
        created_by=query.created_by,
        created_after=after,
        limit=query.limit,
        start_key=start_key,
    )
    listed = [{key: item[key] for key in LISTED_FIELDS if key in item} for item in items]
    body = {"communications": listed, "cursor": cursor.encode(last_key) if last_key else None}
    return json_response(HTTPStatus.OK, body)


@app.post("/communications/<communication_id>/send")
@traced
def resend_communication(communication_id: str) -> Response[str]:
    attempt = resend_attempt(
        settings.communications_table,
        communication_id,
        settings.sender_email,
        settings.manual_threshold,
    )
    answer = {"id": communication_id, "attempt": attempt.attempt}
    logger.info(
        "re-send",
        extra={"id": communication_id, "result": str(attempt.result), "reason": attempt.reason},
    )
    match attempt.result:
        case Result.MISSING:
            return problem(HTTPStatus.NOT_FOUND, "no such communication")
        case Result.SENT:
            return json_response(HTTPStatus.OK, {**answer, "status": str(Status.SENT), "sent": 1})
        case Result.SKIPPED if attempt.status is Status.SENT:
            # Asked again after it went out: the answer is the same, nothing is sent twice.
            return json_response(HTTPStatus.OK, {**answer, "status": str(Status.SENT), "sent": 1})
        case Result.SKIPPED | Result.IN_FLIGHT:
            return json_response(
                HTTPStatus.CONFLICT,
                {
                    **answer,
                    "message": "the communication is not failed",
                    "status": str(attempt.status),
                },
            )
        case _:
            return json_response(
                HTTPStatus.BAD_GATEWAY,
                {
                    **answer,
                    "message": "the provider refused the communication",
                    "status": str(attempt.status),
                    "reason": attempt.reason,
                },
            )


handler = api_handler(app)
