"""Pages of insights: the inbox, everything the caller may read, the caller's own posts."""

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    Select,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    not_,
    select,
    true,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import endorsements, policies, rows
from app.insights.models import Visibility
from app.insights.rows import InsightRef
from app.insights.schemas import InsightFilters, InsightOut
from app.org.models import Unit
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import Forbidden, InvalidInput
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor

Scope = Literal["inbox", "visible", "mine"]
Breadth = Literal["whole", "wide", "narrow"]


def _search_condition() -> ColumnElement[bool]:
    q = bindparam("q", type_=Text)
    query = (
        func.websearch_to_tsquery(cast(literal("simple"), REGCONFIG), q)
        .op("||")(func.websearch_to_tsquery(cast(literal("finnish"), REGCONFIG), q))
        .op("||")(func.websearch_to_tsquery(cast(literal("english"), REGCONFIG), q))
    )
    return rows.ic.search.op("@@")(query)


@dataclass(frozen=True, slots=True)
class _PageShape:
    """Which filters a list request uses: the statement depends on this, never on values."""

    scope: Scope
    # Only the open statuses (the inbox's default): the statement names them, so the
    # planner can use the partial index of open insights by owner.
    open_only: bool
    statuses: bool
    kinds: bool
    journey_stages: bool
    subtree: bool
    search: bool
    # The rank (1 overdue, 0 not) of the row a cursor continues after, None on a first page.
    after_rank: int | None
    # How much of the organisation the caller reads (`visible` only; see `_visible_keys`).
    breadth: Breadth


# A reader of at most this many units has their insights found unit by unit; one who reads
# more, by walking the organisation's newest-first index until the page is full. The first
# costs about a page per unit, the second about a page divided by the reader's share.
NARROW_UNITS = 32


def _filters(shape: _PageShape) -> list[ColumnElement[bool]]:
    """The conditions of the request's filters on the insights table's own columns."""
    found: list[ColumnElement[bool]] = []
    if shape.open_only:
        # Named in the statement, not bound: the partial index's predicate must be implied.
        found.append(
            rows.ic.status.in_([literal_column(f"'{s.value}'") for s in policies.OPEN_STATUSES])
        )
    elif shape.statuses:
        found.append(rows.ic.status.in_(bindparam("statuses", expanding=True)))
    if shape.kinds:
        found.append(rows.ic.kind.in_(bindparam("kinds", expanding=True)))
    if shape.journey_stages:
        found.append(rows.ic.journey_stage.in_(bindparam("journey_stages", expanding=True)))
    if shape.subtree:
        units = table(Unit)
        subtree = (
            select(units.c.path)
            .where(
                units.c.org_id == bindparam("org_id"), units.c.id == bindparam("subtree_unit_id")
            )
            .scalar_subquery()
        )
        found.append(
            policies.in_units_clause(
                rows.ic.author_id,
                rows.ic.unit_id,
                rows.ic.shown_unit_id,
                select(units.c.id).where(
                    units.c.org_id == bindparam("org_id"), units.c.path.startswith(subtree)
                ),
            )
        )
    if shape.search:
        found.append(_search_condition())
    return found


def _before_cursor() -> ColumnElement[bool]:
    return tuple_(rows.ic.created_at, rows.ic.id) < tuple_(
        bindparam("after_created", type_=DateTime(timezone=True)),
        bindparam("after_id", type_=Uuid),
    )


def _newest(conditions: list[ColumnElement[bool]], source: FromClause | None = None) -> Select[Any]:
    """The newest `limit` insights meeting `conditions`, walked on an index in that order."""
    found = select(rows.ic.id, rows.ic.created_at)
    if source is not None:
        found = found.select_from(source)
    return (
        found.where(rows.ic.org_id == bindparam("org_id"), *conditions)
        .order_by(rows.ic.created_at.desc(), rows.ic.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def _per_unit(units: FromClause, column: str, conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """The newest `limit` of each of `units` (by the insight's `column`), then the newest
    `limit` of those: one short index walk per unit, however many insights the rest of the
    organisation holds."""
    walk = _newest([rows.ic[column] == units.c.unit_id, *conditions]).lateral()
    return (
        select(walk.c.id, walk.c.created_at)
        .select_from(units.join(walk, true()))
        .order_by(walk.c.created_at.desc(), walk.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def _units(pattern: ColumnElement[bool], name: str) -> FromClause:
    table_units = table(Unit)
    return (
        select(table_units.c.id.label("unit_id"))
        .where(table_units.c.org_id == bindparam("org_id"), pattern)
        .subquery(name)
    )


def _inbox_keys(shape: _PageShape, filters: list[ColumnElement[bool]]) -> Select[Any]:
    """The inbox's page keys: routed to the caller's units, overdue first, then newest.

    Each rank is its own newest-first walk per owned unit over the partial index of open
    insights by owner (`ix_insights_owner_open`), so a page costs the same at the first and
    the twentieth page, for a store and for the whole company. The visibility condition is
    not repeated: whoever may act on a unit reads what is routed to it."""
    managed = (
        func.unnest(bindparam("managed", type_=ARRAY(Uuid)))
        .table_valued("unit_id")
        .render_derived(name="managed")
    )
    ranks = []
    for rank, condition in ((1, rows.OVERDUE), (0, not_(rows.OVERDUE))):
        if shape.after_rank is not None and rank > shape.after_rank:
            continue
        conditions = [*filters, condition]
        if shape.after_rank == rank:
            conditions.append(_before_cursor())
        page = _per_unit(managed, "owner_unit_id", conditions).subquery(f"rank{rank}")
        ranks.append(select(page.c.id, page.c.created_at, literal(rank).label("rank")))
    return ranks[0] if len(ranks) == 1 else union_all(*ranks)  # type: ignore[return-value]


def _visible_keys(shape: _PageShape, filters: list[ColumnElement[bool]]) -> Select[Any]:
    """The keys of all the caller may read, newest first (`visible_clause`), by the
    reader's breadth: a reader of the whole organisation walks its newest-first index with
    no visibility test; a reader of many units walks it testing each row (a region's page
    is found in a few thousand index entries); a reader of a few units takes each branch of
    `visible_clause` unit by unit (a store's page would take a hundred thousand entries of
    the walk)."""
    if shape.after_rank is not None:
        filters = [*filters, _before_cursor()]
    if shape.breadth == "whole":
        return _newest(filters)
    if shape.breadth == "wide":
        visible = policies.visible_clause(
            rows.ic.author_id, rows.ic.unit_id, rows.ic.owner_unit_id, rows.ic.visibility
        )
        return _newest([visible, *filters])
    units = table(Unit)
    readable = units.c.path.like(any_(bindparam("reader_patterns", type_=ARRAY(Text))))
    reader_units = _units(readable, "reader_units")
    colleague_units = _units(units.c.path.like(bindparam("colleague_pattern")), "colleague_units")
    # Keep in step with `policies.visible_clause`, one branch each.
    return union(  # type: ignore[return-value]
        _per_unit(reader_units, "unit_id", filters),
        _per_unit(reader_units, "owner_unit_id", filters),
        _newest([rows.ic.author_id == bindparam("reader_id"), *filters]),
        _per_unit(colleague_units, "unit_id", [rows.ic.visibility == Visibility.NAMED, *filters]),
    )


@lru_cache(maxsize=256)
def _keys_query(shape: _PageShape) -> Select[Any]:
    """The statement for one page's keys (id, created_at, rank) in page order, from the
    insights table alone, filtered, sorted and cut on its indexes. Built once per shape with
    every value bound, so neither construction nor compilation is paid per request."""
    filters = _filters(shape)
    if shape.scope == "inbox":
        keys = _inbox_keys(shape, filters).subquery("keys")
        rank: ColumnElement[int] = keys.c.rank
    else:
        if shape.scope == "mine":
            # The caller's own insights: the author index in order, nothing else to test.
            if shape.after_rank is not None:
                filters = [*filters, _before_cursor()]
            keys = _newest([rows.ic.author_id == bindparam("reader_id"), *filters]).subquery("keys")
        else:
            keys = _visible_keys(shape, filters).subquery("keys")
        rank = literal(0)
    return (
        select(keys.c.id, keys.c.created_at, rank.label("rank"))
        .order_by(rank.desc(), keys.c.created_at.desc(), keys.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


# The page's rows by their keys: one statement whose plan does not depend on the values,
# so the server plans it once per connection.
_PAGE_ROWS = rows.insight_rows(rows.insights).where(
    rows.ic.org_id == bindparam("org_id"),
    rows.ic.id == any_(bindparam("ids", type_=ARRAY(Uuid))),
)

# How many units a reader's patterns cover, up to NARROW_UNITS, by organisation and
# patterns: read once a few minutes. A stale figure only picks the slower of two plans that
# give the same page.
_BREADTH_SECONDS = 300.0
_breadths: dict[tuple[uuid.UUID, int, tuple[str, ...]], tuple[float, int]] = {}


async def _breadth(session: AsyncSession, actor: Principal, params: dict[str, Any]) -> Breadth:
    if policies.reads_whole_organisation(actor):
        return "whole"
    key = (actor.org_id, NARROW_UNITS, tuple(params["reader_patterns"]))
    cached = _breadths.get(key)
    moment = time.monotonic()
    if cached is None or moment - cached[0] > _BREADTH_SECONDS:
        units = table(Unit)
        counted = (
            select(literal(1))
            .where(
                units.c.org_id == actor.org_id,
                units.c.path.like(any_(bindparam("patterns", type_=ARRAY(Text)))),
            )
            .limit(NARROW_UNITS)
            .subquery()
        )
        count = await session.scalar(
            select(func.count()).select_from(counted), {"patterns": params["reader_patterns"]}
        )
        if len(_breadths) > 10_000:
            _breadths.clear()
        cached = _breadths[key] = (moment, count or 0)
    return "wide" if cached[1] >= NARROW_UNITS else "narrow"


async def list_insights(
    session: AsyncSession,
    actor: Principal,
    *,
    scope: Scope,
    filters: InsightFilters,
    limit: int = 25,
    cursor: str | None = None,
) -> Page[InsightOut]:
    """A page of insights. `inbox`: routed to the caller's units, overdue first, then newest,
    open ones unless a status filter says otherwise. `visible`: all the caller may read,
    newest first. `mine`: the caller's own posts, newest first."""
    check_limit(limit)
    position = read_cursor(
        cursor, n=datetime.fromisoformat, o=int, c=datetime.fromisoformat, i=uuid.UUID
    )
    # A cursor keeps the moment of the first page, so "overdue" cannot shift under the reader.
    now = position["n"] if position else clock.now()
    params = rows.params(actor, now, limit=limit + 1)
    statuses = filters.status
    if scope == "inbox":
        managed = policies.managed_unit_ids(actor)
        if not managed:
            raise Forbidden("The inbox is for managers.", code="not_a_manager")
        params["managed"] = managed
        statuses = statuses or list(policies.OPEN_STATUSES)
    q = filters.q.strip() if filters.q else ""
    values = {
        "statuses": statuses,
        "kinds": filters.kind,
        "journey_stages": filters.journey_stage,
        "subtree_unit_id": filters.unit_id,
        "q": q or None,
    }
    params.update({name: value for name, value in values.items() if value})
    if position is not None:
        if position["o"] not in (0, 1):
            raise InvalidInput("The cursor is not valid.", code="invalid_cursor")
        params.update(after_created=position["c"], after_id=position["i"])
    open_only = scope == "inbox" and set(statuses or ()) == set(policies.OPEN_STATUSES)
    shape = _PageShape(
        scope=scope,
        open_only=open_only,
        statuses=bool(statuses) and not open_only,
        kinds=bool(filters.kind),
        journey_stages=bool(filters.journey_stage),
        subtree=filters.unit_id is not None,
        search=bool(q),
        after_rank=position["o"] if position is not None else None,
        breadth=await _breadth(session, actor, params) if scope == "visible" else "whole",
    )
    keys = list((await session.execute(_keys_query(shape), params)).all())
    if not keys:
        return Page(items=[], next_cursor=None)
    next_cursor = None
    if len(keys) > limit:
        keys = keys[:limit]
        last = keys[-1]
        next_cursor = encode_cursor(
            {
                "n": now.isoformat(),
                "o": last.rank,
                "c": last.created_at.isoformat(),
                "i": str(last.id),
            }
        )
    params["ids"] = [key.id for key in keys]
    found = {r.id: r for r in (await session.execute(_PAGE_ROWS, params)).all()}
    items = [InsightOut(**rows.out_fields(found[key.id], actor)) for key in keys]
    await endorsements.add_endorsing_units(session, actor.org_id, items)
    return Page(items=items, next_cursor=next_cursor)


async def visible_insights(
    session: AsyncSession, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[InsightOut, InsightRef]]:
    """Of `ids`, the insights `actor` may read, in one statement (two when any was backed);
    the missing and the out of reach are left out."""
    found = await rows.visible_rows(session, actor, ids)
    items = [InsightOut(**rows.out_fields(r, actor)) for r in found]
    await endorsements.add_endorsing_units(session, actor.org_id, items)
    return {item.id: (item, rows.ref_of(r)) for item, r in zip(items, found, strict=True)}


async def own_insights(
    session: AsyncSession, actor: Principal, ids: Sequence[uuid.UUID]
) -> list[InsightOut]:
    """The caller's own insights among `ids`, in that order."""
    if not ids:
        return []
    found = (
        await session.execute(
            rows.insight_rows(rows.insights).where(
                rows.ic.org_id == bindparam("org_id"),
                rows.ic.author_id == actor.person_id,
                rows.ic.id.in_(ids),
            ),
            rows.params(actor, clock.now()),
        )
    ).all()
    order = {insight_id: n for n, insight_id in enumerate(ids)}
    found.sort(key=lambda r: order[r.id])
    items = [InsightOut(**rows.out_fields(r, actor)) for r in found]
    await endorsements.add_endorsing_units(session, actor.org_id, items)
    return items
