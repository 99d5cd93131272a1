"""Reading a file as it arrives, however its bytes are cut into chunks."""

from collections.abc import AsyncIterator

import pytest

from app.outcomes.reading import MAX_RECORD_CHARS, BadEncoding, Rejected, csv_records

TEXT = (
    "\ufeffyksikkö;jakso;arvo\r\n"
    "Myymälä Ä;2026-09;4,5\r\n"
    '"Kamppi; keskusta";2026-09;"3,5"\r\n'
    '"kaksi\r\nriviä";2026-10;1\r\n'
    "\r\n"
    ";;\r\n"
    "viimeinen;2026-11;2"
)
EXPECTED = [
    (1, ["yksikkö", "jakso", "arvo"]),
    (2, ["Myymälä Ä", "2026-09", "4,5"]),
    (3, ["Kamppi; keskusta", "2026-09", "3,5"]),
    (4, ["kaksi\r\nriviä", "2026-10", "1"]),
    (8, ["viimeinen", "2026-11", "2"]),
]


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _read(data: bytes, size: int) -> list[tuple[int, list[str]]]:
    return [record async for record in csv_records(_chunks(data, size))]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 20])
async def test_records_and_lines_whatever_the_chunks(size: int) -> None:
    assert await _read(TEXT.encode(), size) == EXPECTED


@pytest.mark.parametrize("size", [1, 5, 1 << 20])
async def test_the_first_byte_that_is_not_utf8_is_named(size: int) -> None:
    data = "unit,period\nÄäkkönen,2026-09\nx".encode() + b"\xe4\n"
    with pytest.raises(BadEncoding) as refused:
        await _read(data, size)
    assert refused.value.extra == {"offset": len(data) - 2, "line": 3}


async def test_a_file_that_ends_inside_a_character_is_refused() -> None:
    data = "unit\nä".encode()[:-1]
    with pytest.raises(BadEncoding) as refused:
        await _read(data, 2)
    assert refused.value.extra["offset"] == 5


async def test_a_row_without_end_is_refused_before_it_fills_memory() -> None:
    data = b"unit,period\n" + b"x" * (MAX_RECORD_CHARS + 10)
    with pytest.raises(Rejected) as refused:
        await _read(data, 4096)
    assert [(b.line, b.code) for b in refused.value.bad] == [(2, "row_too_long")]


async def test_a_comma_file_and_a_tab_file() -> None:
    assert await _read(b'a,b\n"1,5",2\n', 3) == [(1, ["a", "b"]), (2, ["1,5", "2"])]
    assert await _read(b"a\tb\n1,5\t2\n", 3) == [(1, ["a", "b"]), (2, ["1,5", "2"])]
