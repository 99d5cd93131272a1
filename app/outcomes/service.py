"""Importing EX results and CX outcomes, whole or not at all; listing and undoing imports.

An import is one transaction: every row is checked (`app.outcomes.rows`), a bad row is
reported with its line, column, reason and value, and if any row is bad nothing is stored
(422 `import_invalid`, with every bad row: at most `MAX_REPORTED` of them listed). Rows are
read as they arrive and written in batches (`app.outcomes.store`), so a file of 100,000
rows takes seconds and little memory.

The same rows again change nothing: an import's digest is the SHA-256 of its kind, its row
count and the sum of the SHA-256 of each normalised row (unit id, month, measure, numbers
as parsed), so it holds whatever the file's order, delimiter, decimal mark, unit names or
ids. Content with the digest of an earlier import of the kind, all of whose rows are still
stored, gives that import back (`created` false); it is rolled back to a savepoint after it
was checked. An earlier import that a later one replaced in part is no longer the same:
its file is refused for the values stored since, or, with `replace`, takes them back (the
earlier import, replaced whole, is removed).
"""

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Unit
from app.org.principal import Principal
from app.outcomes import policies
from app.outcomes.models import ImportKind
from app.outcomes.policies import ImportScope
from app.outcomes.reading import BadRow, Rejected, csv_records
from app.outcomes.reasons import reason_text
from app.outcomes.rows import Normaliser, Row, UnitDirectory, UnitEntry, json_values
from app.outcomes.schemas import ImportOut, ImportReport
from app.outcomes.store import TABLES, Writer, imports, month
from app.platform import clock
from app.platform.db import table
from app.platform.errors import InvalidInput, NotFound, TooLarge
from app.platform.i18n import Locale

# Bad rows listed in a report; the count says how many there were in all.
MAX_REPORTED = 1_000
# How often the command line hears of progress, in rows.
PROGRESS_EVERY = 5_000
DEFAULT_MAX_ROWS = 200_000

# (rows validated, rows stored) so far.
Progress = Callable[[int, int], Awaitable[None]]
# Each row: its line, its values by column, what is wrong with its shape.
Records = AsyncIterator[tuple[int, dict[str, Any], list[BadRow]]]

_units = table(Unit)


class ImportInvalid(InvalidInput):
    code = "import_invalid"
    title = "The import has bad rows"


class TooManyRows(TooLarge):
    code = "too_many_rows"
    title = "Too many rows"


async def _nothing(validated: int, stored: int) -> None:
    return None


@dataclass
class _Tally:
    """What an import has met so far: bad rows (the first MAX_REPORTED), its rows' digest,
    units, months and measures, and the first line of each key (duplicates in the file)."""

    locale: Locale
    bad: list[dict[str, Any]] = field(default_factory=list)
    bad_count: int = 0
    problems: set[str] = field(default_factory=set)
    rows: int = 0
    digest: int = 0
    units: set[uuid.UUID] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    lines: dict[tuple[uuid.UUID, str, str], int] = field(default_factory=dict)

    def reject(self, bad: list[BadRow]) -> None:
        for item in bad:
            self.bad_count += 1
            self.problems.add(item.code)
            if len(self.bad) < MAX_REPORTED:
                self.bad.append(
                    {
                        "line": item.line,
                        "column": item.column,
                        "code": item.code,
                        "reason": reason_text(item.code, self.locale, item.params),
                        "value": item.value,
                    }
                )

    def count(self, row: Row) -> None:
        self.rows += 1
        self.digest = (self.digest + row.digest()) % (1 << 256)
        self.units.add(row.unit_id)
        self.periods.add(month(row.period))
        if row.measure is not None:
            self.measures.add(row.measure)
        self.measures.update(row.scores or {})

    def hex_digest(self, kind: ImportKind) -> str:
        return hashlib.sha256(f"{kind}|{self.rows}|{self.digest:064x}".encode()).hexdigest()

    def refusal(self) -> ImportInvalid:
        shown = len(self.bad)
        return ImportInvalid(
            f"{self.bad_count} bad rows; nothing was imported. "
            + ("Each is listed." if shown == self.bad_count else f"The first {shown} are listed."),
            extra={
                "bad_rows": self.bad_count,
                "truncated": shown < self.bad_count,
                "errors": self.bad,
            },
        )


async def unit_directory(session: AsyncSession, org_id: uuid.UUID) -> UnitDirectory:
    by_id: dict[uuid.UUID, UnitEntry] = {}
    by_name: dict[str, list[UnitEntry]] = {}
    found = await session.execute(
        select(_units.c.id, _units.c.name, _units.c.path).where(_units.c.org_id == org_id)
    )
    for unit_id, name, path in found.all():
        entry = UnitEntry(unit_id, path)
        by_id[unit_id] = entry
        by_name.setdefault(name.strip().casefold(), []).append(entry)
    return UnitDirectory(by_id, by_name)


async def _csv(normaliser: Normaliser, chunks: AsyncIterator[bytes]) -> Records:
    records = csv_records(chunks)
    header = await anext(records, None)
    if header is None:
        raise Rejected([BadRow(1, None, "empty_file")])
    bad = normaliser.header(header[1])
    if bad:
        raise Rejected(bad)
    async for line, cells in records:
        values, shape = normaliser.cells(line, cells)
        yield line, values, shape


async def _json(kind: ImportKind, rows: list[Any]) -> Records:
    for line, row in enumerate(rows, 1):
        values, shape = json_values(kind, line, row)
        yield line, values, shape


def _key(kind: ImportKind, row: Row) -> tuple[uuid.UUID, str, str] | None:
    if kind is ImportKind.EX_RESPONSES:
        return None  # anonymous answers: two people may answer alike
    return (row.unit_id, row.period.isoformat(), row.measure or "")


async def _take(
    normaliser: Normaliser, tally: _Tally, writer: Writer, line: int, values: dict[str, Any]
) -> list[BadRow]:
    """Check one row and hand it to the writer; why it is bad, if it is."""
    checked = normaliser.row(line, values)
    if isinstance(checked, list):
        return checked
    key = _key(normaliser.kind, checked)
    first = tally.lines.setdefault(key, line) if key is not None else line
    if first != line:
        return [BadRow(line, None, "duplicate_in_file", params={"earlier_line": first})]
    tally.count(checked)
    return await writer.add(checked)


class _Undo(Exception):
    """Roll the import back to its savepoint and answer with `result`."""

    def __init__(self, result: ImportReport) -> None:
        super().__init__("undo")
        self.result = result


async def _existing(
    session: AsyncSession, org_id: uuid.UUID, kind: ImportKind, digest: str
) -> ImportReport | None:
    found = (
        await session.execute(
            select(imports).where(
                imports.c.org_id == org_id, imports.c.kind == kind, imports.c.digest == digest
            )
        )
    ).first()
    return _report(found._mapping, created=False) if found is not None else None


def _out(row: Any) -> ImportOut:
    summary = row["summary"] or {}
    return ImportOut(
        id=row["id"],
        kind=row["kind"],
        rows=row["rows"],
        units=int(summary.get("units", 0)),
        periods=list(summary.get("periods", [])),
        measures=list(summary.get("measures", [])),
        replaced=int(summary.get("replaced", 0)),
        source=row["source"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _report(row: Any, *, created: bool) -> ImportReport:
    return ImportReport(**_out(row).model_dump(), created=created)


async def _run(
    session: AsyncSession,
    scope: ImportScope,
    kind: ImportKind,
    records: Callable[[Normaliser], Records],
    *,
    replace: bool,
    source: str | None,
    locale: Locale,
    max_rows: int,
    progress: Progress,
) -> tuple[ImportReport, bool]:
    normaliser = Normaliser(kind, await unit_directory(session, scope.org_id), scope.covers)
    tally = _Tally(locale)
    import_id = uuid.uuid4()
    now = clock.now()
    savepoint = await session.begin_nested()
    try:
        await session.execute(
            insert(imports).values(
                org_id=scope.org_id,
                id=import_id,
                kind=kind,
                digest=f"pending-{import_id.hex}",
                source=source[:200] if source else None,
                rows=0,
                summary={},
                created_by=scope.person_id,
                created_at=now,
            )
        )
        writer = Writer(session, kind, scope.org_id, import_id, replace=replace)
        seen = 0
        try:
            async for line, values, shape in records(normaliser):
                seen += 1
                if seen > max_rows:
                    raise TooManyRows(
                        f"An import may have at most {max_rows} rows; split the file.",
                        extra={"max_rows": max_rows},
                    )
                bad = shape or await _take(normaliser, tally, writer, line, values)
                if bad:
                    tally.reject(bad)
                    writer.writing = False
                if seen % PROGRESS_EVERY == 0:
                    await progress(seen, writer.stored)
        except Rejected as rejected:
            tally.reject(rejected.bad)
            raise tally.refusal() from None
        tally.reject(await writer.flush())
        await progress(seen, writer.stored)
        digest = tally.hex_digest(kind)
        if tally.bad_count:
            if tally.problems == {"already_imported"}:
                earlier = await _existing(session, scope.org_id, kind, digest)
                if earlier is not None and earlier.rows == tally.rows:
                    raise _Undo(earlier)
            raise tally.refusal()
        if not tally.rows:
            tally.reject([BadRow(2, None, "no_rows")])
            raise tally.refusal()
        earlier = await _existing(session, scope.org_id, kind, digest)
        if earlier is not None and earlier.rows == tally.rows:
            raise _Undo(earlier)
        await writer.settle_earlier()
        summary = {
            "units": len(tally.units),
            "periods": sorted(tally.periods),
            "measures": sorted(tally.measures),
            "replaced": writer.replaced,
        }
        await session.execute(
            update(imports)
            .where(imports.c.org_id == scope.org_id, imports.c.id == import_id)
            .values(digest=digest, rows=tally.rows, summary=summary)
        )
        await savepoint.commit()
    except _Undo as undo:
        await savepoint.rollback()
        return undo.result, False
    except IntegrityError:
        # The same rows were imported at the same moment by another request.
        await savepoint.rollback()
        earlier = await _existing(session, scope.org_id, kind, tally.hex_digest(kind))
        if earlier is None:
            raise
        return earlier, False
    except BaseException:
        await savepoint.rollback()
        raise
    found = (
        await session.execute(
            select(imports).where(imports.c.org_id == scope.org_id, imports.c.id == import_id)
        )
    ).one()
    return _report(found._mapping, created=True), True


async def import_file(
    session: AsyncSession,
    actor: Principal,
    kind: ImportKind,
    chunks: AsyncIterator[bytes],
    *,
    replace: bool = False,
    source: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> tuple[ImportReport, bool]:
    """Import a CSV file as it arrives; the report, and whether anything was stored."""
    scope = policies.importer_scope(actor)
    return await _run(
        session,
        scope,
        kind,
        lambda normaliser: _csv(normaliser, chunks),
        replace=replace,
        source=source,
        locale=actor.locale,
        max_rows=max_rows,
        progress=_nothing,
    )


def rows_of(body: Any) -> list[Any]:
    """The rows of a JSON import body, `{"rows": [...]}`."""
    if not isinstance(body, dict) or set(body) != {"rows"} or not isinstance(body["rows"], list):
        raise InvalidInput(
            'The body must be an object with one member, "rows": a list of rows.',
            code="import_invalid",
            extra={"bad_rows": 0, "truncated": False, "errors": []},
        )
    return body["rows"]


async def import_rows(
    session: AsyncSession,
    actor: Principal,
    kind: ImportKind,
    rows: list[Any],
    *,
    replace: bool = False,
    source: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> tuple[ImportReport, bool]:
    """Import rows given as JSON objects (REST's JSON body, GraphQL)."""
    scope = policies.importer_scope(actor)
    return await _run(
        session,
        scope,
        kind,
        lambda normaliser: _json(kind, rows),
        replace=replace,
        source=source,
        locale=actor.locale,
        max_rows=max_rows,
        progress=_nothing,
    )


async def import_as_operator(
    session: AsyncSession,
    org_id: uuid.UUID,
    kind: ImportKind,
    chunks: AsyncIterator[bytes],
    *,
    replace: bool = False,
    source: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    progress: Progress = _nothing,
) -> tuple[ImportReport, bool]:
    """Import a CSV file for the `insight import` command: any unit of the organisation."""
    return await _run(
        session,
        policies.operator_scope(org_id),
        kind,
        lambda normaliser: _csv(normaliser, chunks),
        replace=replace,
        source=source,
        locale=Locale.EN,
        max_rows=max_rows,
        progress=progress,
    )


async def list_imports(session: AsyncSession, actor: Principal) -> list[ImportOut]:
    """The organisation's imports, newest first."""
    scope = policies.importer_scope(actor)
    found = await session.execute(
        select(imports)
        .where(imports.c.org_id == scope.org_id)
        .order_by(imports.c.created_at.desc(), imports.c.id)
    )
    return [_out(row._mapping) for row in found.all()]


async def _one(session: AsyncSession, org_id: uuid.UUID, import_id: uuid.UUID) -> Any:
    found = (
        await session.execute(
            select(imports).where(imports.c.org_id == org_id, imports.c.id == import_id)
        )
    ).first()
    if found is None:
        raise NotFound("No such import.")
    return found._mapping


async def get_import(session: AsyncSession, actor: Principal, import_id: uuid.UUID) -> ImportOut:
    scope = policies.importer_scope(actor)
    return _out(await _one(session, scope.org_id, import_id))


async def delete_import(session: AsyncSession, actor: Principal, import_id: uuid.UUID) -> None:
    """Remove an import and every value it stored (to correct a file: delete, import again;
    or import the corrected file with replace)."""
    scope = policies.importer_scope(actor)
    row = await _one(session, scope.org_id, import_id)
    t = TABLES[ImportKind(row["kind"])]
    paths = await session.scalars(
        select(_units.c.path)
        .distinct()
        .where(
            _units.c.org_id == scope.org_id,
            _units.c.id.in_(
                select(t.c.unit_id).where(t.c.org_id == scope.org_id, t.c.import_id == import_id)
            ),
        )
    )
    policies.require_covers_all(scope, list(paths))
    await session.execute(delete(t).where(t.c.org_id == scope.org_id, t.c.import_id == import_id))
    await session.execute(
        delete(imports).where(imports.c.org_id == scope.org_id, imports.c.id == import_id)
    )
