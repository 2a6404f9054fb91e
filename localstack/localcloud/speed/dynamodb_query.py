"""DynamoDB Query on a table's own key reads one partition, in key order, from where it left off.

moto (which serves DynamoDB here) answers every Query page by sorting the whole table (every
partition), keeping the asked partition, sorting it again with DynamoType comparisons and
walking it from its first item to the page's ExclusiveStartKey. A page of a partition of n items
costs O(n log n) Python comparisons however small the page; profiling the reports benchmark
(200,000 rows of one organisation, one year) showed LocalStack's time there. DynamoDB reads a
partition by key: this does the same for queries on the table's own key (not on an index, no
legacy KeyConditions filter): the partition's range keys ordered as plain values, the page's
bounds found by bisection, the 1 MB page limit, Limit, ScanIndexForward, FilterExpression and
ProjectionExpression applied as moto applies them. Anything else goes to moto's own query.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import inspect
from decimal import Decimal
from typing import Any

from localcloud.support.patching import patch_plugin

STRING, NUMBER = "S", "N"


def _plain(dynamo_type) -> str | Decimal:
    # Strings order by code point, as DynamoDB orders them (UTF-8 bytes order the same way);
    # numbers by value.
    return Decimal(dynamo_type.value) if dynamo_type.type == NUMBER else dynamo_type.value


def _bounds(keys: list, comparison: str | None, values: list) -> tuple[int, int]:
    """The [lo, hi) slice of the sorted keys that the key condition keeps."""
    lo, hi = 0, len(keys)
    match comparison:
        case None:
            pass
        case "EQ":
            lo, hi = bisect.bisect_left(keys, values[0]), bisect.bisect_right(keys, values[0])
        case "LT":
            hi = bisect.bisect_left(keys, values[0])
        case "LE":
            hi = bisect.bisect_right(keys, values[0])
        case "GT":
            lo = bisect.bisect_right(keys, values[0])
        case "GE":
            lo = bisect.bisect_left(keys, values[0])
        case "BETWEEN":
            lo, hi = bisect.bisect_left(keys, values[0]), bisect.bisect_right(keys, values[1])
        case "BEGINS_WITH":
            lo = bisect.bisect_left(keys, values[0])
            hi = lo
            while hi < len(keys) and keys[hi].startswith(values[0]):
                hi += 1
        case _:
            raise ValueError(comparison)
    return lo, max(lo, hi)


@dataclasses.dataclass(frozen=True)
class Query:
    """The arguments of moto's Table.query, by the names moto gives them."""

    hash_key: Any
    range_comparison: str | None
    range_objs: list
    limit: int | None
    exclusive_start_key: dict | None
    scan_index_forward: bool
    projection_expressions: list | None
    index_name: str | None = None
    consistent_read: bool = False
    filter_expression: Any = None
    filter_kwargs: dict = dataclasses.field(default_factory=dict)


def partition_query(table, query: Query, result_size_limit: int):
    partition = table.items.get(query.hash_key) or {}
    items = sorted(partition.values(), key=lambda item: _plain(item.range_key))
    keys = [_plain(item.range_key) for item in items]
    lo, hi = _bounds(keys, query.range_comparison, [_plain(value) for value in query.range_objs])
    if query.exclusive_start_key and table.range_key_attr in query.exclusive_start_key:
        from moto.dynamodb.models.dynamo_type import DynamoType

        start = _plain(DynamoType(query.exclusive_start_key[table.range_key_attr]))
        if query.scan_index_forward:
            lo = max(lo, bisect.bisect_right(keys, start))
        else:
            hi = min(hi, bisect.bisect_left(keys, start))
    order = range(lo, hi) if query.scan_index_forward else range(hi - 1, lo - 1, -1)

    results, size, last_evaluated_key = [], 0, None
    for index in order:
        item = items[index]
        if len(results) == query.limit or size + item.size() > result_size_limit:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
            break
        results.append(item)
        size += item.size()
    scanned_count = len(results)

    results = copy.deepcopy(results)
    if query.filter_expression is not None:
        results = [item for item in results if query.filter_expression.expr(item)]
    if query.projection_expressions:
        results = [item.project(query.projection_expressions) for item in results]
    return results, scanned_count, last_evaluated_key


def _served_by_partition(table, query: Query) -> bool:
    if query.index_name or table.range_key_attr is None or query.filter_kwargs:
        return False
    if table.range_key_type not in (STRING, NUMBER):
        return False  # binary keys: moto's own ordering
    return all(value.type == table.range_key_type for value in query.range_objs)


@patch_plugin(
    "moto.dynamodb.models.table",
    requires=("Table.query", "Table._get_last_evaluated_key", "RESULT_SIZE_LIMIT"),
)
def query_one_partition(module) -> None:
    moto_query = module.Table.query
    parameters = inspect.signature(moto_query)

    def query(self, *args, **kwargs):
        asked = parameters.bind(self, *args, **kwargs).arguments
        del asked["self"]
        request = Query(**asked)
        if not _served_by_partition(self, request):
            return moto_query(self, *args, **kwargs)
        return partition_query(self, request, module.RESULT_SIZE_LIMIT)

    module.Table.query = query
