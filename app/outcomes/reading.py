"""Reading an imported file: UTF-8 bytes, streamed, into CSV records with their line numbers.

- The bytes are decoded as they arrive; a byte that is not UTF-8 refuses the file with its
  offset (`bad_encoding`). A byte order mark at the start is dropped.
- Lines end in LF or CRLF. A record is complete once its quotes balance, so a quoted cell
  may hold line breaks; a record's line is the line it starts on.
- The delimiter is read from the header: `;` (what Excel writes in Finnish settings), `,`
  or a tab, whichever the header has most of outside quotes.
- Blank lines, and lines of delimiters only (as spreadsheets leave them), are skipped.

Nothing here holds more than one record and one chunk of the file.
"""

import codecs
import csv
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.platform.errors import InvalidInput

# A record (one row, with any line breaks inside its quotes) longer than this is refused.
MAX_RECORD_CHARS = 16 * 1024
DELIMITERS = (";", ",", "\t")


class BadEncoding(InvalidInput):
    code = "bad_encoding"
    title = "The file is not UTF-8"


@dataclass(frozen=True, slots=True)
class BadRow:
    """One thing wrong with a row: its line (the header is line 1; in JSON, the row's
    position in `rows`, from 1), the column (None for the row as a whole), a reason code
    (`app.outcomes.reasons`), the value as given and the reason's parameters."""

    line: int
    column: str | None
    code: str
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


class Rejected(Exception):
    """The file cannot be read on: its header, or its shape at a line."""

    def __init__(self, bad: list[BadRow]) -> None:
        super().__init__(bad[0].code if bad else "rejected")
        self.bad = bad


class _Lines:
    """The csv reader's source: the lines of one complete record at a time."""

    def __init__(self) -> None:
        self.pending: deque[str] = deque()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self.pending:
            raise StopIteration
        return self.pending.popleft()


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The file's lines, each with its line break, decoded as UTF-8 as they arrive."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    consumed = 0  # bytes handed to the decoder before this chunk
    line_no = 1
    buffer = ""
    first = True
    async for chunk in chunks:
        held = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            offset = consumed - held + exc.start
            line = line_no + buffer.count("\n") + exc.object[: exc.start].count(b"\n")
            raise BadEncoding(
                f"The file is not UTF-8: byte {offset} (line {line}) is not valid UTF-8. "
                "Save it as CSV UTF-8.",
                extra={"offset": offset, "line": line},
            ) from None
        consumed += len(chunk)
        if first and text:
            text = text.removeprefix("\ufeff")
            first = False
        buffer += text
        start = 0
        while (end := buffer.find("\n", start)) != -1:
            yield buffer[start : end + 1]
            line_no += 1
            start = end + 1
        buffer = buffer[start:]
        if len(buffer) > MAX_RECORD_CHARS:
            raise Rejected(
                [BadRow(line_no, None, "row_too_long", params={"max": MAX_RECORD_CHARS})]
            )
    try:
        buffer += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        offset = consumed - len(decoder.getstate()[0])
        raise BadEncoding(
            f"The file is not UTF-8: it ends inside a character at byte {offset}.",
            extra={"offset": offset, "line": line_no},
        ) from None
    if buffer:
        yield buffer


def _delimiter(header: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


async def csv_records(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, list[str]]]:
    """The file's records as (line, cells), the header first; blank records skipped."""
    source = _Lines()
    reader: Any = None
    record: list[str] = []
    quotes = 0
    size = 0
    line_no = 0
    start = 1
    async for line in _lines(chunks):
        line_no += 1
        if not record:
            start = line_no
        record.append(line)
        quotes += line.count('"')
        size += len(line)
        if size > MAX_RECORD_CHARS:
            raise Rejected([BadRow(start, None, "row_too_long", params={"max": MAX_RECORD_CHARS})])
        if quotes % 2:
            continue
        if reader is None:
            reader = csv.reader(source, delimiter=_delimiter("".join(record)), strict=False)
        source.pending.extend(record)
        record, quotes, size = [], 0, 0
        cells: list[str] = next(reader, [])
        if any(cell.strip() for cell in cells):
            yield start, cells
    if record:
        raise Rejected([BadRow(start, None, "unclosed_quote")])
