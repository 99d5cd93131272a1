"""The rows of an import, checked and normalised: a header per kind, a value per cell.

Columns, case-insensitive:

- `ex_responses`: `unit`, `period`, one column per factor (its name: letters a–z, digits,
  underscores), `enps` (optional). A score is 1–5 (decimals allowed), an empty cell is a
  question not answered; `enps` is a whole number 0–10. A row needs at least one answer.
- `ex_aggregates`: `unit`, `period`, `measure`, `n`, `mean`. `measure` is a factor (its mean
  is 1–5) or `enps` (the eNPS score, −100…100); `n` is the number of answers, at least 1.
- `cx_outcomes`: `unit`, `period`, `measure`, `value`, `n` (optional). `measure` is one of
  `nps` (−100…100), `csat` (the share of satisfied customers, 0–100 %: a CSAT on a 1–5
  scale must be converted, as 4 could be either), `ces` (mean effort, 1–7) and
  `complaint_rate` (complaints per 100 customers, ≥ 0); `n`, when given, is the number of
  customers behind it, at least 1.

`unit` is the unit's id, or its exact name (case-insensitive; a name several units share
must be given as the id). `period` is a month, `YYYY-MM`. Numbers take a dot or a comma as
the decimal mark (`4.5`, `4,5`); nothing else: no thousands separators, no exponents.
"""

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.outcomes.models import CxMeasure, ImportKind
from app.outcomes.reading import BadRow

MAX_COLUMNS = 60
# How much of a bad value a report repeats.
SHOWN_VALUE_CHARS = 100
_NAME = re.compile(r"[a-z][a-z0-9_]{0,79}")
_PERIOD = re.compile(r"(\d{4})-(\d{1,2})")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_WHOLE = re.compile(r"[+-]?\d+")
# Measures and their ranges (None: no bound on that side).
CX_RANGES: dict[str, tuple[float, float | None]] = {
    CxMeasure.NPS: (-100, 100),
    CxMeasure.CSAT: (0, 100),
    CxMeasure.CES: (1, 7),
    CxMeasure.COMPLAINT_RATE: (0, None),
}
FACTOR_RANGE = (1.0, 5.0)
ENPS_ANSWER_RANGE = (0, 10)
ENPS_SCORE_RANGE = (-100.0, 100.0)
ENPS = "enps"

REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.EX_RESPONSES: ("unit", "period"),
    ImportKind.EX_AGGREGATES: ("unit", "period", "measure", "n", "mean"),
    ImportKind.CX_OUTCOMES: ("unit", "period", "measure", "value"),
}
OPTIONAL: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.EX_RESPONSES: (ENPS,),
    ImportKind.EX_AGGREGATES: (),
    ImportKind.CX_OUTCOMES: ("n",),
}


@dataclass(frozen=True, slots=True)
class UnitEntry:
    id: uuid.UUID
    path: str


@dataclass(frozen=True, slots=True)
class UnitDirectory:
    """The organisation's units, looked up by id and by name, built once per import."""

    by_id: dict[uuid.UUID, UnitEntry]
    by_name: dict[str, list[UnitEntry]]


@dataclass(frozen=True, slots=True)
class Row:
    """A good row. `measure`/`value`/`n` for aggregates and outcomes (`value` is the mean of
    an aggregate); `scores`/`enps` for responses."""

    line: int
    unit_id: uuid.UUID
    period: date
    measure: str | None = None
    value: float | None = None
    n: int | None = None
    scores: dict[str, float] | None = None
    enps: int | None = None

    def canonical(self) -> bytes:
        scores = sorted((self.scores or {}).items())
        key = (str(self.unit_id), self.period.isoformat(), self.measure, self.value, self.n)
        return repr((*key, tuple(scores), self.enps)).encode()

    def digest(self) -> int:
        return int.from_bytes(hashlib.sha256(self.canonical()).digest(), "big")


def column_name(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "\ufffd")[:SHOWN_VALUE_CHARS]


class _Bad(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if "\x00" in value:
            raise _Bad("nul_character")
        return value.strip()
    if isinstance(value, bool):
        raise _Bad("not_a_number")
    if isinstance(value, int | float):
        return repr(value)
    raise _Bad("not_a_number")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise _Bad("not_a_number")
        return number
    text = _text(value)
    if not _NUMBER.fullmatch(text):
        raise _Bad("not_a_number")
    return float(text.replace(",", "."))


def _whole(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if not _WHOLE.fullmatch(text):
        raise _Bad("not_a_whole_number" if _NUMBER.fullmatch(text) else "not_a_number")
    return int(text)


def _within(number: float, low: float, high: float | None) -> float:
    if high is None:
        if number < low:
            raise _Bad("below_minimum", min=_plain(low))
    elif not low <= number <= high:
        raise _Bad("out_of_range", min=_plain(low), max=_plain(high))
    return number


def _plain(number: float) -> str:
    return f"{number:g}"


def _period(value: Any) -> date:
    match = _PERIOD.fullmatch(_text(value))
    if match is None:
        raise _Bad("bad_period")
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        raise _Bad("bad_period")
    return date(year, month, 1)


class Normaliser:
    """Checks an import's header and rows for one kind, against the organisation's units
    and the caller's scope (`in_scope(unit path)`)."""

    def __init__(
        self, kind: ImportKind, units: UnitDirectory, in_scope: Callable[[str], bool]
    ) -> None:
        self.kind = kind
        self.units = units
        self.in_scope = in_scope
        self.columns: list[str] = []

    # The header.

    def header(self, raw: list[str]) -> list[BadRow]:
        """Take a CSV header; what is wrong with it (on line 1)."""
        bad: list[BadRow] = []
        names = [column_name(name) for name in raw]
        while names and not names[-1]:  # trailing delimiters
            names.pop()
        if len(names) > MAX_COLUMNS:
            return [BadRow(1, None, "too_many_columns", params={"max": MAX_COLUMNS})]
        known = REQUIRED[self.kind] + OPTIONAL[self.kind]
        seen: set[str] = set()
        for position, name in enumerate(names):
            shown = _shown(raw[position])
            if "\x00" in raw[position]:
                bad.append(BadRow(1, str(position + 1), "nul_character", shown))
            elif name in seen:
                bad.append(BadRow(1, name, "duplicate_column", shown))
            elif self.kind is not ImportKind.EX_RESPONSES and name not in known:
                bad.append(
                    BadRow(1, name or str(position + 1), "unknown_column", shown, _allowed(known))
                )
            elif not _NAME.fullmatch(name):
                bad.append(BadRow(1, name or str(position + 1), "bad_column_name", shown))
            seen.add(name)
        for name in REQUIRED[self.kind]:
            if name not in seen:
                bad.append(BadRow(1, name, "missing_column", params={"name": name}))
        if self.kind is ImportKind.EX_RESPONSES and not (seen - {"unit", "period"}):
            bad.append(BadRow(1, None, "missing_column", params={"name": "<factor> / enps"}))
        self.columns = names
        return bad

    def cells(self, line: int, cells: list[str]) -> tuple[dict[str, Any], list[BadRow]]:
        """A CSV record as values by column; a record with more cells than the header is bad."""
        extra = [cell for cell in cells[len(self.columns) :] if cell.strip()]
        if extra:
            bad = BadRow(
                line,
                str(len(self.columns) + 1),
                "too_many_columns",
                _shown(extra[0]),
                {"max": len(self.columns)},
            )
            return {}, [bad]
        return dict(zip(self.columns, cells, strict=False)), []

    # A row.

    def row(self, line: int, values: dict[str, Any]) -> Row | list[BadRow]:
        """One row's values by column (a CSV record, or a JSON row); the row, or every
        reason it is bad."""
        bad: list[BadRow] = []

        def check(column: str, parse: Callable[[Any], Any]) -> Any:
            raw = values.get(column)
            try:
                return parse(raw)
            except _Bad as reason:
                bad.append(BadRow(line, column, reason.code, _shown(raw), reason.params))
                return None

        unit_id = check("unit", self._unit)
        period = check("period", _required(_period))
        if self.kind is ImportKind.EX_RESPONSES:
            scores: dict[str, float] = {}
            for column in values:
                if column in ("unit", "period", ENPS):
                    continue
                score = check(column, _optional(_score))
                if score is not None:
                    scores[column] = score
            enps = check(ENPS, _optional(_enps_answer))
            if not bad and not scores and enps is None:
                bad.append(BadRow(line, None, "empty_response"))
            if bad:
                return bad
            return Row(line, unit_id, period, scores=scores, enps=enps)
        measure = check("measure", self._measure)
        if self.kind is ImportKind.EX_AGGREGATES:
            n = check("n", _required(_count))
            low, high = ENPS_SCORE_RANGE if measure == ENPS else FACTOR_RANGE
            value = check("mean", _required(lambda v: _within(_number(v), low, high)))
        else:
            low_cx, high_cx = CX_RANGES.get(measure or "", (float("-inf"), None))
            value = check("value", _required(lambda v: _within(_number(v), low_cx, high_cx)))
            n = check("n", _optional(_count))
        if bad:
            return bad
        return Row(line, unit_id, period, measure=measure, value=value, n=n)

    def _unit(self, raw: Any) -> uuid.UUID:
        text = _text(raw)
        if not text:
            raise _Bad("missing_value")
        entry: UnitEntry | None = None
        try:
            entry = self.units.by_id.get(uuid.UUID(text))
        except ValueError:
            named = self.units.by_name.get(text.casefold(), [])
            if len(named) > 1:
                raise _Bad("ambiguous_unit") from None
            entry = named[0] if named else None
        if entry is None:
            raise _Bad("unknown_unit")
        if not self.in_scope(entry.path):
            raise _Bad("unit_out_of_scope")
        return entry.id

    def _measure(self, raw: Any) -> str:
        text = column_name(_text(raw))
        if not text:
            raise _Bad("missing_value")
        if self.kind is ImportKind.CX_OUTCOMES:
            if text not in CX_RANGES:
                raise _Bad("unknown_measure", **_allowed(tuple(CX_RANGES)))
        elif not _NAME.fullmatch(text):
            raise _Bad("bad_measure_name")
        return text


def _allowed(names: tuple[str, ...]) -> dict[str, Any]:
    return {"allowed": ", ".join(str(name) for name in names)}


def _required(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def required(raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise _Bad("missing_value")
        return parse(raw)

    return required


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional(raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return parse(raw)

    return optional


def _score(raw: Any) -> float:
    return _within(_number(raw), *FACTOR_RANGE)


def _enps_answer(raw: Any) -> int:
    answer = _whole(raw)
    _within(answer, *ENPS_ANSWER_RANGE)
    return answer


def _count(raw: Any) -> int:
    count = _whole(raw)
    _within(count, 1, None)
    return count


def factor_name(raw: str) -> str | None:
    """A factor's column name as stored, or None when it is not one."""
    name = column_name(raw)
    return name if _NAME.fullmatch(name) else None


def json_values(kind: ImportKind, line: int, row: Any) -> tuple[dict[str, Any], list[BadRow]]:
    """A JSON row as values by column. Rows of `ex_responses` give their factors' scores as
    an object, `scores`; other rows name their columns as the CSV header does."""
    if not isinstance(row, dict):
        return {}, [BadRow(line, None, "not_an_object")]
    known = REQUIRED[kind] + OPTIONAL[kind]
    allowed = (*known, "scores") if kind is ImportKind.EX_RESPONSES else known
    values: dict[str, Any] = {}
    bad: list[BadRow] = []
    for key, value in row.items():
        if key not in allowed:
            bad.append(BadRow(line, _shown(key), "unknown_column", None, _allowed(allowed)))
        elif key == "scores":
            if not isinstance(value, dict):
                bad.append(BadRow(line, "scores", "not_an_object"))
                continue
            for factor, score in value.items():
                name = factor_name(factor)
                if name is None or name in known:
                    bad.append(BadRow(line, f"scores.{_shown(factor)}", "bad_column_name"))
                else:
                    values[name] = score
        else:
            values[key] = value
    return values, bad
