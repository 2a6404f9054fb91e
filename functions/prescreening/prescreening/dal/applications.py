"""The applications table: each application's status and decision, and the application itself
(the claim check: the state machine carries only the id, each task reads the record here).

The record sits under `record`, never returned by the status endpoint (see PUBLIC_FIELDS there).
A referral waiting for a person carries reviewQueue = "PENDING" (a sparse index, PendingReviews,
lists exactly those) and the task token that resumes its execution.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from pydantic import ValidationError

from common.aws import table
from common.dynamodb import conditional, from_item, to_item
from common.errors import field_errors
from prescreening.dal.screening_log import now
from prescreening.models import Application, InvalidApplication

PENDING_REVIEWS_INDEX = "PendingReviews"
PENDING = "PENDING"


class Status:
    RECEIVED = "received"
    SCREENING = "screening"
    AWAITING_REVIEW = "awaiting_review"
    DECIDED = "decided"
    FAILED = "failed"


class ApplicationNotFound(Exception):
    """No record is stored under the id the execution was started with."""


RECORD = "record"
# Set by POST /applications only: the status endpoint answers for the ids the service issued,
# never for a producer's own ids on the stream (which may be guessable: app-sample-0001).
ISSUED_AT = "issuedAt"


def mark_issued(table_name: str, application_id: str) -> None:
    """Note that the service issued this id (before its record is on the stream, so the status
    endpoint can answer as soon as the trigger has stored it)."""
    table(table_name).update_item(
        Key={"applicationId": application_id},
        UpdateExpression="SET #issued = if_not_exists(#issued, :now)",
        ExpressionAttributeNames={"#issued": ISSUED_AT},
        ExpressionAttributeValues={":now": now()},
    )


def issued_status(table_name: str, application_id: str) -> dict[str, Any] | None:
    """The application's item when the service issued its id and the trigger has stored it;
    None otherwise (unknown, a producer's own id, or still on its way)."""
    found = get(table_name, application_id)
    if found is None or ISSUED_AT not in found or "status" not in found:
        return None
    return found


def store_record(table_name: str, application: dict[str, Any]) -> None:
    """Keep the application once: a duplicate stream record leaves the first copy. It is
    "received" (what POST answered) from this write on, so its status is never missing."""
    table(table_name).update_item(
        Key={"applicationId": application["applicationId"]},
        UpdateExpression=(
            "SET #record = if_not_exists(#record, :record), "
            "#status = if_not_exists(#status, :received)"
        ),
        ExpressionAttributeNames={"#record": RECORD, "#status": "status"},
        ExpressionAttributeValues={":record": to_item(application), ":received": Status.RECEIVED},
    )


def stored_application(table_name: str, application_id: str) -> Application:
    """The stored application, checked again (a record must never reach a check unparsed)."""
    try:
        return Application.model_validate(record_of(table_name, application_id))
    except ValidationError as error:
        # Field paths only: the values are personal data.
        raise InvalidApplication("; ".join(field_errors(error))) from None


def record_of(table_name: str, application_id: str) -> dict[str, Any]:
    """The stored application (JSON form) of an id."""
    item = table(table_name).get_item(
        Key={"applicationId": application_id},
        ProjectionExpression="#record",
        ExpressionAttributeNames={"#record": RECORD},
        ConsistentRead=True,
    )
    if RECORD not in item.get("Item", {}):
        raise ApplicationNotFound(f"no stored application for id {application_id}")
    return from_item(item["Item"][RECORD])


def _set(values: dict[str, Any], remove: tuple[str, ...] = ()) -> dict[str, Any]:
    """UpdateItem's arguments for SET every value (None values skipped) and REMOVE `remove`."""
    item = to_item(values)
    expression = "SET " + ", ".join(f"#{key} = :{key}" for key in item)
    if remove:
        expression += " REMOVE " + ", ".join(f"#{key}" for key in remove)
    return {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {f"#{key}": key for key in [*item, *remove]},
        "ExpressionAttributeValues": {f":{key}": value for key, value in item.items()},
    }


def mark_screening(table_name: str, application_id: str, summary: dict[str, Any]) -> None:
    """The application entered screening (a rerun of the step leaves a decided one alone)."""
    conditional(
        lambda: table(table_name).update_item(
            Key={"applicationId": application_id},
            ConditionExpression=Attr("status").not_exists() | Attr("status").ne(Status.DECIDED),
            **_set({"status": Status.SCREENING, "receivedAt": now(), **summary}),
        )
    )


def await_review(table_name: str, application_id: str, reasons: list[str], task_token: str) -> None:
    table(table_name).update_item(
        Key={"applicationId": application_id},
        **_set(
            {
                "status": Status.AWAITING_REVIEW,
                "reviewQueue": PENDING,
                "referredAt": now(),
                "referralReasons": reasons,
                "taskToken": task_token,
            }
        ),
    )


def claim_review(table_name: str, application_id: str) -> dict[str, Any] | None:
    """Take a pending review off the queue (once: a second claim finds none); returns it with
    its task token."""
    claimed = conditional(
        lambda: table(table_name).update_item(
            Key={"applicationId": application_id},
            UpdateExpression="REMOVE reviewQueue",
            ConditionExpression=Attr("reviewQueue").eq(PENDING),
            ReturnValues="ALL_OLD",
        )
    )
    return from_item(claimed["Attributes"]) if claimed is not None else None


def release_review(table_name: str, application_id: str) -> None:
    """Put a claimed review back on the queue: its answer could not be sent, so the referral
    must stay reviewable (unless it was decided meanwhile)."""
    conditional(
        lambda: table(table_name).update_item(
            Key={"applicationId": application_id},
            UpdateExpression="SET reviewQueue = :pending",
            ConditionExpression=Attr("status").eq(Status.AWAITING_REVIEW)
            & Attr("reviewQueue").not_exists(),
            ExpressionAttributeValues={":pending": PENDING},
        )
    )


def note_review(table_name: str, application_id: str, note: str) -> None:
    """The reviewer's note, for staff only (the status endpoint never shows it)."""
    table(table_name).update_item(
        Key={"applicationId": application_id},
        UpdateExpression="SET reviewNote = :note",
        ExpressionAttributeValues={":note": note},
    )


def record_decision(table_name: str, application_id: str, decision: dict[str, Any]) -> None:
    table(table_name).update_item(
        Key={"applicationId": application_id},
        **_set(
            {"status": Status.DECIDED, "decidedAt": now(), **decision},
            remove=("reviewQueue", "taskToken"),
        ),
    )


def get(table_name: str, application_id: str) -> dict[str, Any] | None:
    item = table(table_name).get_item(Key={"applicationId": application_id}, ConsistentRead=True)
    return from_item(item["Item"]) if "Item" in item else None


def pending_reviews(table_name: str, limit: int = 100) -> list[dict[str, Any]]:
    answer = table(table_name).query(
        IndexName=PENDING_REVIEWS_INDEX,
        KeyConditionExpression=Key("reviewQueue").eq(PENDING),
        Limit=limit,
    )
    return [from_item(item) for item in answer["Items"]]
