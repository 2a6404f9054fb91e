"""Prospect activity, keyed by organisation (hash) and timestamp (range): one organisation's
days are read with a Query, never a Scan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from boto3.dynamodb.conditions import Key

from common.aws import table

ORGANISATION = "organisationId"
# "<ISO timestamp>#<activity id>": ordered by time, unique per activity.
OCCURRED = "occurredKey"


def activity_between(
    table_name: str, organisation_id: str, start: date, end: date
) -> Iterator[dict[str, Any]]:
    """The organisation's activity on days [start, end), oldest first, page by page.

    BETWEEN is inclusive, yet the end day stays out: every key of that day is
    "<end>T..." which sorts after the bare "<end>".
    """
    query = {
        "KeyConditionExpression": Key(ORGANISATION).eq(organisation_id)
        & Key(OCCURRED).between(start.isoformat(), end.isoformat()),
    }
    activity = table(table_name)
    while True:
        page = activity.query(**query)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
