"""Sub-report parts joined into one report: one header, then each part's rows in date order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from reports.logic.rows import HEADER


def merge_parts(
    parts: Iterable[tuple[int, Iterator[bytes]]], write: Callable[[bytes], None]
) -> int:
    """Stream the header and every part's chunks, in the order given, to write; the total row
    count. Parts hold rows only, so the report has exactly one header."""
    write(HEADER.encode())
    rows = 0
    for part_rows, chunks in parts:
        rows += part_rows
        for chunk in chunks:
            write(chunk)
    return rows
