"""Pages of insights: the inbox, everything the caller may read, the caller's own posts."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import endorsements, policies, rows
from app.insights.rows import InsightRef
from app.insights.schemas import InsightFilters, InsightOut
from app.org.models import Unit
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import (
    Forbidden,
)
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor

Scope = Literal["inbox", "visible", "mine"]


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
    statuses: bool
    kinds: bool
    journey_stages: bool
    subtree: bool
    search: bool
    after: bool


@lru_cache(maxsize=256)
def _page_query(shape: _PageShape) -> Select[Any]:
    """The statement for one page, built once per shape with every value bound, so neither
    construction nor compilation is paid per request.

    The page's keys come first, from the insights table alone (filtered, sorted and cut on
    its indexes); only those rows are then joined to units, people and contacts."""
    keys = select(rows.ic.id, rows.ic.created_at).where(
        rows.ic.org_id == bindparam("org_id"),
        policies.visible_clause(
            rows.ic.author_id, rows.ic.unit_id, rows.ic.owner_unit_id, rows.ic.visibility
        ),
    )
    if shape.scope == "inbox":
        keys = keys.where(rows.ic.owner_unit_id.in_(bindparam("managed", expanding=True)))
    elif shape.scope == "mine":
        keys = keys.where(rows.ic.author_id == bindparam("reader_id"))
    if shape.statuses:
        keys = keys.where(rows.ic.status.in_(bindparam("statuses", expanding=True)))
    if shape.kinds:
        keys = keys.where(rows.ic.kind.in_(bindparam("kinds", expanding=True)))
    if shape.journey_stages:
        keys = keys.where(rows.ic.journey_stage.in_(bindparam("journey_stages", expanding=True)))
    if shape.subtree:
        units = table(Unit)
        subtree = (
            select(units.c.path)
            .where(
                units.c.org_id == bindparam("org_id"), units.c.id == bindparam("subtree_unit_id")
            )
            .scalar_subquery()
        )
        keys = keys.where(
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
        keys = keys.where(_search_condition())

    rank = case((rows.OVERDUE, 1), else_=0) if shape.scope == "inbox" else literal(0)
    if shape.after:
        after_rank = bindparam("after_rank", type_=Integer)
        keys = keys.where(
            or_(
                rank < after_rank,
                and_(
                    rank == after_rank,
                    tuple_(rows.ic.created_at, rows.ic.id)
                    < tuple_(
                        bindparam("after_created", type_=DateTime(timezone=True)),
                        bindparam("after_id", type_=Uuid),
                    ),
                ),
            )
        )
    page = (
        keys.add_columns(rank.label("rank"))
        .order_by(rank.desc(), rows.ic.created_at.desc(), rows.ic.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery("page")
    )
    # The keys come first so the plan starts from the page, whatever the statistics say.
    return rows.insight_rows(
        page.join(
            rows.insights, and_(rows.ic.org_id == bindparam("org_id"), rows.ic.id == page.c.id)
        )
    ).order_by(page.c.rank.desc(), page.c.created_at.desc(), page.c.id.desc())


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
        params.update(after_rank=position["o"], after_created=position["c"], after_id=position["i"])
    shape = _PageShape(
        scope=scope,
        statuses=bool(statuses),
        kinds=bool(filters.kind),
        journey_stages=bool(filters.journey_stage),
        subtree=filters.unit_id is not None,
        search=bool(q),
        after=position is not None,
    )
    found = list((await session.execute(_page_query(shape), params)).all())

    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        last = found[-1]
        next_cursor = encode_cursor(
            {
                "n": now.isoformat(),
                "o": int(bool(last.is_overdue)) if scope == "inbox" else 0,
                "c": last.created_at.isoformat(),
                "i": str(last.id),
            }
        )
    items = [InsightOut(**rows.out_fields(r, actor)) for r in found]
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
