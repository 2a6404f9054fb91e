"""A report's rows: prospect activity as CSV lines, in the order of its timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from common.prospect_activity import COLUMNS
from common.spreadsheet import csv_writer

HEADER = ",".join(COLUMNS) + "\n"


class ActivityUnreadable(ValueError):
    """A stored activity lacks a field the report needs (names the field, never a value)."""


def activity_row(item: Mapping[str, Any]) -> list[Any]:
    missing = [column for column in COLUMNS if item.get(column) in (None, "")]
    if missing:
        raise ActivityUnreadable(f"an activity record lacks {', '.join(missing)}")
    return [item[column] for column in COLUMNS]


def write_rows(out: TextIO, items: Iterable[Mapping[str, Any]]) -> int:
    """Write the items as CSV rows (CSV-injection safe, no header); how many were written."""
    writer = csv_writer(out)
    count = 0
    for item in items:
        writer.writerow(activity_row(item))
        count += 1
    return count
