"""Missed deadlines climb the manager chain, exactly once per deadline, up to the top."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.insights import escalation
from app.insights.models import EventType, InsightEvent
from app.jobs import build_queue, run_worker
from app.main import create_app
from app.org import service as org_service
from app.org.models import Role
from app.platform import clock
from app.web.runtime import Runtime
from tests.factories import World

API = "/api/v1"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NINE)
    yield
    clock.freeze(None)


async def _escalate(sessions: async_sessionmaker[AsyncSession], at: datetime) -> None:
    clock.freeze(at)
    async with sessions() as session:
        await escalation.escalate_overdue(session, now=at)
        await session.commit()


async def _store_rule(client: httpx.AsyncClient, world: World, ack_hours: int = 2) -> None:
    response = await client.post(
        f"{API}/routing-rules",
        json={
            "name": "Store complaints",
            "match": {"kinds": ["complaint"]},
            "target": {"levels_up": 0},
            "ack_hours": ack_hours,
            "respond_hours": 24,
            "position": 0,
        },
        headers=await world.auth("aaro"),
    )
    assert response.status_code == 201, response.text


async def _post_complaint(client: httpx.AsyncClient, world: World) -> str:
    response = await client.post(
        f"{API}/insights",
        json={
            "kind": "complaint",
            "text": "Kylmälaite hälyttää, asiakkaat valittavat lämpimistä maitotuotteista.",
            "unit_id": str(world.units["store_a"].id),
        },
        headers=await world.auth("anna"),
    )
    assert response.status_code == 201, response.text
    insight_id: str = response.json()["id"]
    return insight_id


async def _insight(client: httpx.AsyncClient, world: World, who: str, iid: str) -> dict[str, Any]:
    response = await client.get(f"{API}/insights/{iid}", headers=await world.auth(who))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _kinds(client: httpx.AsyncClient, world: World, who: str) -> list[str]:
    feed = await client.get(f"{API}/notifications", headers=await world.auth(who))
    return [n["kind"] for n in feed.json()["items"]]


async def test_unacknowledged_store_insight_reaches_the_region_after_two_hours(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    await _store_rule(client, world, ack_hours=2)
    iid = await _post_complaint(client, world)
    posted = await _insight(client, world, "mia", iid)
    assert posted["owner_unit"]["id"] == str(world.units["store_a"].id)
    assert posted["ack_due_at"] == "2026-03-02T11:00:00Z"

    await _escalate(sessions, NINE + timedelta(hours=2))
    assert (await _insight(client, world, "mia", iid))["escalation_level"] == 0

    await _escalate(sessions, NINE + timedelta(hours=2, minutes=1))
    moved = await _insight(client, world, "rita", iid)
    assert moved["owner_unit"] == {"id": str(world.units["south"].id), "name": "South"}
    assert (moved["escalation_level"], moved["status"]) == (1, "new")
    assert moved["ack_due_at"] == "2026-03-02T13:01:00Z"
    assert "insight_escalated" in await _kinds(client, world, "rita")
    assert "insight_escalated" not in await _kinds(client, world, "mia")
    inbox = await client.get(f"{API}/inbox", headers=await world.auth("rita"))
    assert iid in [i["id"] for i in inbox.json()["items"]]

    timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("rita"))
    [escalated] = [e for e in timeline.json() if e["type"] == "escalated"]
    data = escalated["data"]
    assert {k: data[k] for k in ("deadline_missed", "from_unit_id", "to_unit_id", "level")} == {
        "deadline_missed": "acknowledge",
        "from_unit_id": str(world.units["store_a"].id),
        "to_unit_id": str(world.units["south"].id),
        "level": 1,
    }
    assert data["due_at"] == "2026-03-02T11:00:00+00:00"

    # Running again at the same moment changes nothing: the deadline moved with it.
    await _escalate(sessions, NINE + timedelta(hours=2, minutes=2))
    again = await _insight(client, world, "rita", iid)
    assert (again["owner_unit"]["id"], again["escalation_level"]) == (
        str(world.units["south"].id),
        1,
    )


async def test_a_fifteen_minute_deadline_escalates_after_fifteen_minutes(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    rule = await client.post(
        f"{API}/routing-rules",
        json={
            "name": "Complaints within 15 minutes",
            "match": {"kinds": ["complaint"]},
            "target": {"levels_up": 0},
            "ack_minutes": 15,
            "respond_minutes": 90,
            "position": 0,
        },
        headers=await world.auth("aaro"),
    )
    assert rule.status_code == 201, rule.text
    # The hour fields, deprecated, round up.
    assert {k: rule.json()[k] for k in ("ack_minutes", "respond_minutes")} == {
        "ack_minutes": 15,
        "respond_minutes": 90,
    }
    assert (rule.json()["ack_hours"], rule.json()["respond_hours"]) == (1, 2)
    iid = await _post_complaint(client, world)
    posted = await _insight(client, world, "mia", iid)
    assert (posted["ack_due_at"], posted["respond_due_at"]) == (
        "2026-03-02T09:15:00Z",
        "2026-03-02T10:30:00Z",
    )

    await _escalate(sessions, NINE + timedelta(minutes=15))
    assert (await _insight(client, world, "mia", iid))["escalation_level"] == 0

    await _escalate(sessions, NINE + timedelta(minutes=16))
    moved = await _insight(client, world, "rita", iid)
    assert (moved["owner_unit"]["id"], moved["escalation_level"]) == (
        str(world.units["south"].id),
        1,
    )
    # The region gets the same 15 minutes.
    assert moved["ack_due_at"] == "2026-03-02T09:31:00Z"
    assert "insight_escalated" in await _kinds(client, world, "rita")


async def test_climbs_to_the_top_then_stops_once(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    root = world.kauppa.root
    boss = await org_service.create_person(
        session,
        org_id=world.kauppa.id,
        email="toimitusjohtaja@kauppa.test",
        display_name="Tuula",
        home_unit_id=root.id,
    )
    await org_service.grant_role(
        session, org_id=world.kauppa.id, person_id=boss.id, role=Role.MANAGER, unit_id=root.id
    )
    await session.commit()
    world.people["tuula"] = boss
    await _store_rule(client, world, ack_hours=2)
    iid = await _post_complaint(client, world)

    owners = []
    for hours in (3, 6, 9, 12):
        await _escalate(sessions, NINE + timedelta(hours=hours))
        owners.append((await _insight(client, world, "aaro", iid))["owner_unit"]["id"])
    assert owners == [str(world.units["south"].id), str(root.id), str(root.id), str(root.id)]
    assert await _kinds(client, world, "tuula") == ["insight_escalated"]

    timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("aaro"))
    types = [e["type"] for e in timeline.json()]
    assert types == ["posted", "routed", "escalated", "escalated", "escalation_stopped"]
    detail = await _insight(client, world, "tuula", iid)
    assert (detail["escalation_level"], detail["overdue"]) == (2, True)


async def test_acknowledged_insights_escalate_on_the_deadline_to_respond(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    await _store_rule(client, world, ack_hours=2)
    iid = await _post_complaint(client, world)
    ack = await client.post(f"{API}/insights/{iid}/acknowledge", headers=await world.auth("mia"))
    assert ack.status_code == 200
    await _escalate(sessions, NINE + timedelta(hours=3))
    assert (await _insight(client, world, "mia", iid))["escalation_level"] == 0

    await _escalate(sessions, NINE + timedelta(hours=25))
    moved = await _insight(client, world, "rita", iid)
    assert (moved["owner_unit"]["id"], moved["status"]) == (
        str(world.units["south"].id),
        "acknowledged",
    )
    timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("rita"))
    [event] = [e for e in timeline.json() if e["type"] == "escalated"]
    assert event["data"]["deadline_missed"] == "respond"

    resolved = await client.post(
        f"{API}/insights/{iid}/resolve",
        json={"resolution": "Laite huollettu."},
        headers=await world.auth("rita"),
    )
    assert resolved.status_code == 200
    await _escalate(sessions, NINE + timedelta(days=30))
    assert (await _insight(client, world, "rita", iid))["owner_unit"]["id"] == str(
        world.units["south"].id
    )


async def test_the_queue_task_escalates_through_a_worker(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    frozen: None,
) -> None:
    await _store_rule(client, world, ack_hours=2)
    iid = await _post_complaint(client, world)
    clock.freeze(NINE + timedelta(hours=2, minutes=5))

    queue = build_queue(database_url)
    async with queue.open_async():
        job_id = await queue.configure_task("escalate_overdue").defer_async(timestamp=0)
        await run_worker(queue, sessions, wait=False, install_signal_handlers=False)
        # A job that succeeded is deleted; one that failed would stay.
        assert list(await queue.job_manager.list_jobs_async(id=job_id)) == []

    moved = await _insight(client, world, "rita", iid)
    assert (moved["owner_unit"]["id"], moved["escalation_level"]) == (
        str(world.units["south"].id),
        1,
    )


async def test_two_escalators_never_take_the_same_insight(
    committed: tuple[World, async_sessionmaker[AsyncSession]], frozen: None
) -> None:
    from app.insights import posting
    from app.insights.schemas import InsightCreate

    world, sessions = committed
    async with sessions() as session:
        anna = await org_service.load_principal(session, world.people["anna"].subject)
        assert anna is not None
        ids = []
        for n in range(12):
            insight, _ = await posting.create_insight(
                session, anna, InsightCreate(kind="idea", text=f"Idea numero {n}.")
            )
            ids.append(insight.id)
        await session.commit()

    later = NINE + timedelta(hours=49)
    taken: list[list[uuid.UUID]] = [[], []]

    async def escalator(me: int) -> None:
        # Small batches, each held open a moment, so the two interleave.
        while True:
            async with sessions() as session:
                report = await escalation.escalate_overdue(session, now=later, limit=2)
                await asyncio.sleep(0.02)
                await session.commit()
            if report.escalated + report.stopped == 0:
                return
            taken[me].append(report.escalated)

    await asyncio.gather(escalator(0), escalator(1))
    assert sum(taken[0]) + sum(taken[1]) == len(ids)
    assert taken[0] and taken[1], "both escalators should have done some of the work"

    async with sessions() as session:
        counts = dict(
            (
                await session.execute(
                    select(InsightEvent.insight_id, func.count())
                    .where(
                        InsightEvent.org_id == world.kauppa.id,
                        InsightEvent.type == EventType.ESCALATED,
                    )
                    .group_by(InsightEvent.insight_id)
                )
            ).all()
        )
        assert counts == {i: 1 for i in ids}
        rita = await org_service.load_principal(session, world.people["rita"].subject)
        assert rita is not None
        from app.notify import service as notify_service

        feed = await notify_service.list_notifications(session, rita, limit=100)
        escalated = [n.insight_id for n in feed.items if n.kind == "insight_escalated"]
        assert sorted(escalated) == sorted(ids)


async def _workers(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(text("procrastinate.procrastinate_workers"))
        )
    return int(count or 0)


async def test_the_app_runs_a_worker_in_process_and_stops_it(
    runtime: Runtime, engine: AsyncEngine
) -> None:
    before = await _workers(engine)
    for enabled in (True, False):
        runtime.settings = runtime.settings.model_copy(update={"inprocess_worker": enabled})
        app = create_app(runtime=runtime)
        async with app.router.lifespan_context(app):
            for _ in range(100):
                if await _workers(engine) > before or not enabled:
                    break
                await asyncio.sleep(0.05)
            assert await _workers(engine) == before + enabled
        assert await _workers(engine) == before
