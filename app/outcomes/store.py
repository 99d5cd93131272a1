"""Storing an import's rows in batches, against what earlier imports stored.

A value is one per unit, period and measure: an aggregate or an outcome of the same key
from an earlier import is a bad row (`already_imported`), unless the import replaces it,
when the earlier value is deleted first. Individual EX responses have no key: the responses
of one unit and month come from one import, so a unit and month that an earlier import has
responses for is a bad row, unless replaced, when the earlier responses of that unit and
month are deleted. An earlier import left with no rows is removed, so its file may be
imported again; one left with some has its counts brought up to date.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Double,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    cast,
    column,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from app.outcomes.models import (
    CxOutcome,
    DataImport,
    ExAggregate,
    ExResponse,
    ImportKind,
)
from app.outcomes.reading import BadRow
from app.outcomes.rows import Row
from app.platform.db import table

# Rows written (and checked against earlier imports) at a time.
BATCH = 5_000

imports = table(DataImport)
responses = table(ExResponse)
aggregates = table(ExAggregate)
outcomes = table(CxOutcome)
TABLES: dict[ImportKind, Table] = {
    ImportKind.EX_RESPONSES: responses,
    ImportKind.EX_AGGREGATES: aggregates,
    ImportKind.CX_OUTCOMES: outcomes,
}

Key = tuple[uuid.UUID, date, str]
Pair = tuple[uuid.UUID, date]


def _unnest(**arrays: tuple[list[Any], TypeEngine[Any]]) -> TableValuedAlias:
    """Parallel arrays as rows, one bound parameter each: a batch in one statement."""
    function = func.unnest(
        *(bindparam(name, values, type_=ARRAY(kind)) for name, (values, kind) in arrays.items())
    )
    columns = (column(name, kind) for name, (_, kind) in arrays.items())
    return function.table_valued(*columns).render_derived(name="batch")


def _already(row: Row, import_id: uuid.UUID) -> BadRow:
    return BadRow(row.line, None, "already_imported", params={"import_id": str(import_id)})


class Writer:
    """Writes one import's rows a batch at a time. Once a row is bad, nothing more is
    written (the import will be rolled back), but every row is still checked."""

    def __init__(
        self,
        session: AsyncSession,
        kind: ImportKind,
        org_id: uuid.UUID,
        import_id: uuid.UUID,
        *,
        replace: bool,
    ) -> None:
        self.session = session
        self.kind = kind
        self.org_id = org_id
        self.import_id = import_id
        self.replace = replace
        self.table = TABLES[kind]
        self.pending: list[Row] = []
        self.writing = True
        self.stored = 0
        self.replaced = 0
        # Earlier imports whose values this one replaced.
        self.touched: set[uuid.UUID] = set()
        # Responses: each unit and month met so far, and the earlier import holding it.
        self.pairs: dict[Pair, uuid.UUID | None] = {}

    async def add(self, row: Row) -> list[BadRow]:
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            return await self.flush()
        return []

    async def flush(self) -> list[BadRow]:
        rows, self.pending = self.pending, []
        if not rows:
            return []
        if self.kind is ImportKind.EX_RESPONSES:
            bad = await self._check_pairs(rows)
        else:
            bad = await self._check_keys(rows)
        if bad:
            self.writing = False
        if self.writing:
            await self._insert(rows)
            self.stored += len(rows)
        return bad

    async def _insert(self, rows: list[Row]) -> None:
        common = [literal(self.org_id, Uuid), literal(self.import_id, Uuid)]
        columns = ["org_id", "import_id", "unit_id", "period"]
        keyed: dict[str, tuple[list[Any], TypeEngine[Any]]] = {
            "unit_id": ([r.unit_id for r in rows], Uuid()),
            "period": ([r.period for r in rows], Date()),
        }
        if self.kind is ImportKind.EX_RESPONSES:
            k = _unnest(
                **keyed,
                id=([uuid.uuid4() for _ in rows], Uuid()),
                scores=([json.dumps(r.scores) for r in rows], Text()),
                enps=([r.enps for r in rows], SmallInteger()),
            )
            values = select(
                *common, k.c.unit_id, k.c.period, k.c.id, cast(k.c.scores, JSONB), k.c.enps
            )
            columns += ["id", "scores", "enps"]
        else:
            k = _unnest(
                **keyed,
                measure=([r.measure for r in rows], String()),
                value=([r.value for r in rows], Double()),
                n=([r.n for r in rows], Integer()),
            )
            values = select(*common, k.c.unit_id, k.c.period, k.c.measure, k.c.value, k.c.n)
            value_column = "mean" if self.kind is ImportKind.EX_AGGREGATES else "value"
            columns += ["measure", value_column, "n"]
        await self.session.execute(insert(self.table).from_select(columns, values))

    def _earlier(self) -> Any:
        t = self.table
        return (t.c.org_id == self.org_id) & (t.c.import_id != self.import_id)

    async def _check_keys(self, rows: list[Row]) -> list[BadRow]:
        t = self.table
        k = _unnest(
            unit_id=([r.unit_id for r in rows], Uuid()),
            period=([r.period for r in rows], Date()),
            measure=([r.measure for r in rows], String()),
        )
        columns = tuple_(t.c.unit_id, t.c.period, t.c.measure)
        keys = select(k.c.unit_id, k.c.period, k.c.measure)
        found = (
            await self.session.execute(
                select(t.c.unit_id, t.c.period, t.c.measure, t.c.import_id).where(
                    self._earlier(), columns.in_(keys)
                )
            )
        ).all()
        if not found:
            return []
        held: dict[Key, uuid.UUID] = {(u, p, str(m)): i for u, p, m, i in found}
        if not self.replace:
            return [
                _already(r, held[(r.unit_id, r.period, str(r.measure))])
                for r in rows
                if (r.unit_id, r.period, str(r.measure)) in held
            ]
        await self.session.execute(delete(t).where(self._earlier(), columns.in_(keys)))
        self.replaced += len(held)
        self.touched.update(held.values())
        return []

    async def _check_pairs(self, rows: list[Row]) -> list[BadRow]:
        t = self.table
        new = {(r.unit_id, r.period) for r in rows} - self.pairs.keys()
        if new:
            columns = tuple_(t.c.unit_id, t.c.period)
            k = _unnest(unit_id=([u for u, _ in new], Uuid()), period=([p for _, p in new], Date()))
            found = (
                await self.session.execute(
                    select(t.c.unit_id, t.c.period, t.c.import_id, func.count())
                    .where(self._earlier(), columns.in_(select(k.c.unit_id, k.c.period)))
                    .group_by(t.c.unit_id, t.c.period, t.c.import_id)
                )
            ).all()
            self.pairs.update(dict.fromkeys(new))
            if found and self.replace:
                gone = await self.session.execute(
                    delete(t).where(self._earlier(), columns.in_([(u, p) for u, p, _, _ in found]))
                )
                self.replaced += int(getattr(gone, "rowcount", 0) or 0)
                self.touched.update(i for _, _, i, _ in found)
            elif found:
                self.pairs.update({(u, p): i for u, p, i, _ in found})
        bad = []
        for r in rows:
            holder = self.pairs[(r.unit_id, r.period)]
            if holder is not None:
                bad.append(_already(r, holder))
        return bad

    async def settle_earlier(self) -> None:
        """Bring the counts of the earlier imports this one replaced values of up to date,
        and remove those left empty."""
        if not self.touched:
            return
        found = await summaries(self.session, self.kind, self.org_id, list(self.touched))
        for import_id in self.touched:
            summary = found.get(import_id)
            if summary is None:
                await self.session.execute(
                    delete(imports).where(
                        imports.c.org_id == self.org_id, imports.c.id == import_id
                    )
                )
                continue
            rows, units, periods, measures = summary
            current = (
                await self.session.execute(
                    select(imports.c.summary).where(
                        imports.c.org_id == self.org_id, imports.c.id == import_id
                    )
                )
            ).scalar_one()
            kept = dict(current or {})
            kept.update({"units": units, "periods": periods})
            if measures is not None:
                kept["measures"] = measures
            await self.session.execute(
                update(imports)
                .where(imports.c.org_id == self.org_id, imports.c.id == import_id)
                .values(rows=rows, summary=kept)
            )


async def summaries(
    session: AsyncSession, kind: ImportKind, org_id: uuid.UUID, import_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, list[str], list[str] | None]]:
    """Rows, units, months and measures (None for responses) of each import, as stored."""
    t = TABLES[kind]
    measure = (
        func.array_agg(distinct(t.c.measure))
        if kind is not ImportKind.EX_RESPONSES
        else func.count()
    )
    found = await session.execute(
        select(
            t.c.import_id,
            func.count(),
            func.count(distinct(t.c.unit_id)),
            func.array_agg(distinct(t.c.period)),
            measure,
        )
        .where(t.c.org_id == org_id, t.c.import_id.in_(list(import_ids)))
        .group_by(t.c.import_id)
    )
    return {
        import_id: (
            int(rows),
            int(units),
            sorted(month(p) for p in periods),
            sorted(str(m) for m in measures) if kind is not ImportKind.EX_RESPONSES else None,
        )
        for import_id, rows, units, periods, measures in found.all()
    }


def month(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"
