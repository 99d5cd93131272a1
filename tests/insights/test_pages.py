"""Inbox and list pages walked on indexes (`app/insights/queries.py`) give exactly what the
plain conditions give, in the same order, page after page: for every person, for readers
of few and of many units, and with statements an index can serve in page order."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, case, event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, queries, rows
from app.insights.models import InsightStatus
from app.insights.schemas import InsightFilters
from app.org.service import load_principal
from app.platform import clock
from tests.factories import World

API = "/api/v1"

POSTS = [
    ("anna", "named", "team_a1"),
    ("anna", "confidential", "team_a1"),
    ("aku", "named", "store_a"),
    ("aku", "confidential", "store_a"),
    ("ben", "named", "store_b"),
    ("ben", "confidential", "store_b"),
    ("cecilia", "named", "store_c"),
    ("cecilia", "confidential", "store_c"),
    ("mia", "named", "store_a"),
    ("rita", "named", "south"),
    ("olli", "named", "p_branch"),
]


async def _seed(client: httpx.AsyncClient, world: World, session: AsyncSession) -> None:
    """Three rounds of posts, then a mix: some closed, some overdue, some escalated to the
    region or the root, several sharing one moment so that ids break the ties."""
    for round_ in range(3):
        for who, visibility, unit in POSTS:
            response = await client.post(
                f"{API}/insights",
                json={
                    "kind": "observation",
                    "text": f"{round_} {who}: {visibility} havainto.",
                    "visibility": visibility,
                    "unit_id": str(world.units[unit].id),
                },
                params={"similar": "false"},
                headers=await world.auth(who),
            )
            assert response.status_code == 201, response.text
    ic = rows.ic
    ids = list(
        await session.scalars(
            select(ic.id).where(ic.org_id == world.kauppa.id).order_by(ic.created_at, ic.id)
        )
    )
    now = clock.now()
    for n, insight_id in enumerate(ids):
        values: dict[str, Any] = {"created_at": now - timedelta(hours=len(ids) - n // 3)}
        if n % 5 == 0:
            values.update(status=InsightStatus.RESOLVED, closed_at=now)
        elif n % 5 == 1:
            values.update(ack_due_at=now - timedelta(hours=1))
        elif n % 5 == 2:
            values.update(status=InsightStatus.IN_PROGRESS, respond_due_at=now - timedelta(hours=1))
        if n % 7 == 3:
            values["owner_unit_id"] = world.units["south"].id
        elif n % 11 == 4:
            values["owner_unit_id"] = world.kauppa.root.id
        await session.execute(
            update(rows.insights)
            .where(ic.org_id == world.kauppa.id, ic.id == insight_id)
            .values(**values)
        )
    await session.commit()


async def _walk(
    session: AsyncSession, name: str, world: World, scope: queries.Scope, limit: int = 3
) -> list[uuid.UUID]:
    actor = await load_principal(session, world.people[name].subject)
    assert actor is not None
    found: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await queries.list_insights(
            session, actor, scope=scope, filters=InsightFilters(), limit=limit, cursor=cursor
        )
        assert len(page.items) <= limit
        found += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return found


async def _expected(
    session: AsyncSession, name: str, world: World, scope: queries.Scope
) -> list[uuid.UUID]:
    """The page order by the plain conditions, with nothing walked."""
    actor = await load_principal(session, world.people[name].subject)
    assert actor is not None
    ic = rows.ic
    statement = select(ic.id).where(
        ic.org_id == bindparam("org_id"),
        policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
    )
    if scope == "inbox":
        statement = statement.where(
            ic.owner_unit_id.in_(policies.managed_unit_ids(actor)),
            ic.status.in_(policies.OPEN_STATUSES),
        ).order_by(case((rows.OVERDUE, 1), else_=0).desc())
    statement = statement.order_by(ic.created_at.desc(), ic.id.desc())
    return list(await session.scalars(statement, rows.params(actor, clock.now())))


@pytest.mark.parametrize("narrow_units", [1, 10_000])
async def test_pages_walk_exactly_what_the_conditions_give(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    narrow_units: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1: every reader walks the organisation's index; 10,000: every reader goes unit by unit.
    monkeypatch.setattr(queries, "NARROW_UNITS", narrow_units)
    clock.freeze(clock.now())
    try:
        await _seed(client, world, session)
        for name in world.people:
            expected = await _expected(session, name, world, "visible")
            assert await _walk(session, name, world, "visible") == expected, name
            assert await _walk(session, name, world, "visible", limit=100) == expected, name
        for name in ("mia", "max", "rita", "nils", "aaro"):
            expected = await _expected(session, name, world, "inbox")
            assert expected, name
            assert await _walk(session, name, world, "inbox") == expected, name
    finally:
        clock.freeze(None)


async def test_page_statements_can_be_walked_on_their_indexes(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    """With sequential scans, bitmaps and sorts priced out, the planner serves each page's keys from
    the walking indexes: the statements keep the shapes those indexes answer (the open
    statuses named, not bound, so that the partial index applies)."""
    await _seed(client, world, session)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM insights" in statement and "LIMIT" in statement:
            statements.append((statement, parameters))

    connection = await session.connection()
    sync_engine = connection.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        for name, scope in (("mia", "inbox"), ("rita", "inbox"), ("rita", "visible")):
            await _walk(session, name, world, scope)  # type: ignore[arg-type]
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    assert statements
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    for sql, parameters in statements:
        async with driver.transaction():
            await driver.execute("SET LOCAL enable_seqscan = off")
            await driver.execute("SET LOCAL enable_bitmapscan = off")
            await driver.execute("SET LOCAL enable_sort = off")
            plan = "\n".join(row[0] for row in await driver.fetch("EXPLAIN " + sql, *parameters))
        if "'new', 'acknowledged', 'in_progress'" in sql:
            assert "ix_insights_owner_open" in plan, plan
        else:
            assert "ix_insights_unit" in plan or "ix_insights_org_created" in plan, plan
        assert "Seq Scan on insights" not in plan, plan
    await session.execute(text("SELECT 1"))
