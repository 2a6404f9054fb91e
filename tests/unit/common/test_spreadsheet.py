"""CSV cells a spreadsheet shows as text, never runs (OWASP's CSV-injection rule)."""

import csv
import io
from decimal import Decimal

import pytest

from common.spreadsheet import csv_writer, looks_neutralised, safe_cell, unneutralised


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")']
)
def test_a_cell_that_could_be_a_formula_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("number", [-12.5, 0, 42, Decimal("-1234.56")])
def test_numbers_negative_ones_included_stay_numbers(number):
    assert safe_cell(number) == number


def test_ordinary_text_and_empty_values_are_unchanged():
    assert safe_cell("Zoë Ångström") == "Zoë Ångström"
    assert safe_cell(None) == ""


def test_the_writer_neutralises_every_cell_and_round_trips_the_rest():
    # GIVEN rows holding a formula, a negative amount and plain text
    out = io.StringIO()

    # WHEN they are written
    writer = csv_writer(out)
    writer.writerow(["name", "net"])
    writer.writerows([["=cmd|' /C calc'!A0", Decimal("-10.50")], ["Ada", 3]])

    # THEN the formula is text, the numbers are numbers
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "net"],
        ["'=cmd|' /C calc'!A0", "-10.50"],
        ["Ada", "3"],
    ]


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "O'Brien", "'quoted'", "Ada"]
)
def test_reading_a_cell_back_takes_off_only_the_quote_safe_cell_added(text):
    assert unneutralised(safe_cell(text)) == text


def test_a_quote_before_a_formula_character_reads_as_neutralised():
    assert looks_neutralised("'=1+1")
    assert not looks_neutralised("'quoted'")
    assert not looks_neutralised("=1+1")
