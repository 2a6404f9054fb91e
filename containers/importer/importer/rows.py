"""A CSV line of prospect activity: validated, and keyed by its content.

The columns are the reports workflow's CSV (`reports.logic.rows.COLUMNS`), so a report
re-imports as the same rows; cells a report quoted so a spreadsheet would not run them as
formulas (`common.spreadsheet`) lose that quote again. A refusal names the line and what is
wrong, never the value: the rows hold personal data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

COLUMNS = (
    "occurredAt",
    "prospectId",
    "prospectName",
    "prospectEmail",
    "channel",
    "eventType",
    "country",
)
# The reports' CSV quotes a text cell starting with one of these (common.spreadsheet).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
COUNTRY = re.compile(r"[A-Z]{2}\Z")
MAX_LENGTH = {"prospectId": 128, "prospectName": 256, "prospectEmail": 254}
DEFAULT_MAX_LENGTH = 64


@dataclass(frozen=True)
class Refusal:
    line: int
    reason: str


def unneutralised(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def activity_item(organisation_id: str, line: int, cells: list[str]) -> dict | Refusal:
    """The table item for a data line, or why it is refused."""
    if len(cells) != len(COLUMNS):
        return Refusal(line, f"expected {len(COLUMNS)} fields, found {len(cells)}")
    row = dict(zip(COLUMNS, (unneutralised(cell.strip()) for cell in cells), strict=True))
    if problem := first_problem(row):
        return Refusal(line, problem)
    return {"organisationId": organisation_id, "occurredKey": occurred_key(row), **row}


def first_problem(row: dict[str, str]) -> str | None:
    for column in COLUMNS:
        if not row[column]:
            return f"{column} is empty"
        if len(row[column]) > MAX_LENGTH.get(column, DEFAULT_MAX_LENGTH):
            return f"{column} is longer than {MAX_LENGTH.get(column, DEFAULT_MAX_LENGTH)}"
    if not TIMESTAMP.match(row["occurredAt"]):
        return "occurredAt is not a UTC time as YYYY-MM-DDThh:mm:ssZ"
    if not EMAIL.match(row["prospectEmail"]):
        return "prospectEmail is not an email address"
    if not COUNTRY.match(row["country"]):
        return "country is not a two-letter ISO 3166 code"
    return None


def occurred_key(row: dict[str, str]) -> str:
    """`<occurredAt>#<digest of the row>`: ordered by time as the reports read it, and the same
    for the same row in any file, so a row imported twice is stored once."""
    content = "\x1f".join(row[column] for column in COLUMNS)
    return f"{row['occurredAt']}#{hashlib.sha256(content.encode()).hexdigest()[:32]}"
