"""CSV that a spreadsheet opens as data, never as formulas.

OWASP's rule for CSV injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return may be run as a formula, so such a cell is written with a leading single quote (shown as
text). Numbers stay numbers, negative amounts included: they are written as numbers, not text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def looks_neutralised(text: str) -> bool:
    """Whether a cell reads as safe_cell writes a text starting with a formula character."""
    return text.startswith("'") and text[1:].startswith(_FORMULA_STARTS)


def unneutralised(cell: str) -> str:
    """A text cell of a CSV written by csv_writer, as it was before safe_cell quoted it."""
    return cell[1:] if looks_neutralised(cell) else cell


def csv_writer(out: TextIO):
    """A csv.writer whose rows go through safe_cell."""
    return _SafeWriter(csv.writer(out, lineterminator="\n"))


class _SafeWriter:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
