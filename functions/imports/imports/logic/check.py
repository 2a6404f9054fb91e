"""The quick check before the import task runs: the header, the size and the encoding of the
file's start. A file that fails it is refused at once, with why, and no task is started."""

from __future__ import annotations

import csv
import io
import zlib

from common.prospect_activity import COLUMNS as HEADER

# Enough of the file to hold its header and first lines.
SAMPLE_BYTES = 64 * 1024


def sample_text(head: bytes, gzipped: bool) -> bytes:
    """The first bytes of the file's content (a .gz one decompressed as far as it goes)."""
    if not gzipped:
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, SAMPLE_BYTES)
    except zlib.error:
        return b"\x00not gzip"


def problems(size: int, max_size: int, sample: bytes, gzipped: bool) -> list[str]:
    """Why the file cannot be imported (empty when it can)."""
    if size == 0:
        return ["the file is empty"]
    if size > max_size:
        return [f"the file is larger than {max_size} bytes"]
    if gzipped and sample == b"\x00not gzip":
        return ["the file is not gzip, though named .gz"]
    # The sample may end inside a character: only a fault before the last 3 bytes counts.
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:
            return ["the file is not UTF-8"]
        text = sample[: error.start].decode("utf-8")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    header = tuple(next(csv.reader(io.StringIO(first_line)), []))
    if header != HEADER:
        return [f"the header is not {','.join(HEADER)}"]
    return []
