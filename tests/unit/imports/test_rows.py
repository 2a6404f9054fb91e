"""The importer's rows: what is refused (line and reason, never the value) and the content key
that makes importing a row twice store it once."""

from __future__ import annotations

import pytest

from devkit.prospect_activity import IMPORT_COLUMNS
from importer.rows import COLUMNS, Refusal, activity_item
from reports.logic.rows import COLUMNS as REPORT_COLUMNS

GOOD = [
    "2026-03-02T09:15:00Z",
    "acme-p00042",
    "Ada Okafor",
    "ada.okafor@example.com",
    "web",
    "page_view",
    "GB",
]


def test_the_columns_are_the_reports_csv():
    assert COLUMNS == REPORT_COLUMNS


def test_the_dev_tools_write_import_files_with_the_same_columns():
    assert IMPORT_COLUMNS == REPORT_COLUMNS


def test_a_good_line_becomes_an_item_keyed_by_time_and_content():
    # WHEN a good line is read
    item = activity_item("acme", 2, GOOD)

    # THEN it is the organisation's item, ordered by its time
    assert item["organisationId"] == "acme"
    assert item["occurredKey"].startswith("2026-03-02T09:15:00Z#")
    assert {column: item[column] for column in COLUMNS} == dict(zip(COLUMNS, GOOD, strict=True))


def test_the_same_row_has_the_same_key_on_any_line_and_another_row_another():
    key = activity_item("acme", 2, GOOD)["occurredKey"]
    assert activity_item("acme", 900, list(GOOD))["occurredKey"] == key
    other = [*GOOD[:5], "form_submitted", GOOD[6]]
    assert activity_item("acme", 2, other)["occurredKey"] != key


def test_a_cell_a_report_quoted_against_formulas_is_read_as_it_was():
    # GIVEN a name starting with '=' as the reports' CSV writes it (with a leading quote)
    line = [GOOD[0], GOOD[1], "'=Ada", *GOOD[3:]]

    # THEN it imports as the original text
    assert activity_item("acme", 2, line)["prospectName"] == "=Ada"


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (GOOD[:6], "expected 7 fields, found 6"),
        ([*GOOD, "extra"], "expected 7 fields, found 8"),
        (["2026-03-02 09:15", *GOOD[1:]], "occurredAt is not a UTC time as YYYY-MM-DDThh:mm:ssZ"),
        (
            [*GOOD[:3], "ada.okafor-at-example.com", *GOOD[4:]],
            "prospectEmail is not an email address",
        ),
        ([*GOOD[:6], "Britain"], "country is not a two-letter ISO 3166 code"),
        ([GOOD[0], "", *GOOD[2:]], "prospectId is empty"),
        ([*GOOD[:4], "w" * 65, *GOOD[5:]], "channel is longer than 64"),
    ],
)
def test_a_bad_line_is_refused_with_its_line_and_reason_never_its_value(cells, reason):
    refusal = activity_item("acme", 7, cells)
    assert refusal == Refusal(7, reason)
    assert not any(cell and cell in refusal.reason for cell in cells if len(cell) > 3)
