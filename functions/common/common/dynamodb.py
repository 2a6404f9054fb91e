"""DynamoDB items to and from JSON values, conditional and batch writes, over boto3's resource
layer.

The resource layer marshals items itself; the only gap is numbers: it wants Decimal in and hands
Decimal back, so values cross through these two functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from common.aws import table


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON values as an item: floats become exact Decimals, None values are left out."""
    exact = json.loads(json.dumps(values, allow_nan=False), parse_float=Decimal)
    return {key: value for key, value in exact.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as JSON values: whole Decimals become int, the others float; sets become lists."""
    return json.loads(json.dumps(item, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def query_items(
    table_name: str, max_pages: int | None = None, **query: Any
) -> Iterator[dict[str, Any]]:
    """The items a Query finds, page after page, as JSON values; at most `max_pages` pages are
    read (None: every page), so a sweep's share of an index is bounded."""
    key = None
    pages = 0
    while max_pages is None or pages < max_pages:
        page = table(table_name).query(**query, **({"ExclusiveStartKey": key} if key else {}))
        pages += 1
        for item in page.get("Items", []):
            yield from_item(item)
        key = page.get("LastEvaluatedKey")
        if not key:
            return


def conditional[T](write: Callable[[], T]) -> T | None:
    """A conditional write's answer, or None when its ConditionExpression did not hold (then
    nothing was written: another writer got there first)."""
    try:
        return write()
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise


def written(write: Callable[[], object]) -> bool:
    """Whether a conditional write's condition held (and so it wrote)."""
    return conditional(write) is not None


def write_all(table_name: str, items: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> None:
    """Put every item with BatchWriteItem (batch_writer groups 25, resends unprocessed items);
    `keys` are the table's key attributes, so a repeated key in one batch keeps the last."""
    with table(table_name).batch_writer(overwrite_by_pkeys=list(keys)) as batch:
        for item in items:
            batch.put_item(Item=to_item(item))
