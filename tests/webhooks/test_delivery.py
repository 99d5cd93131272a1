"""Timeline events reach subscribers signed, after retries, each exactly once."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights import posting
from app.insights.schemas import InsightCreate
from app.jobs import build_queue, run_worker
from app.org import service as org_service
from app.platform import clock
from app.web.runtime import Runtime
from app.webhooks import delivery
from app.webhooks import service as webhooks_service
from app.webhooks.models import WebhookDelivery
from app.webhooks.schemas import WebhookCreate
from tests.factories import World
from tests.webhooks.receiver import Receiver, verifies

API = "/api/v1"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NINE)
    yield
    clock.freeze(None)


@pytest.fixture
def loopback(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"webhook_allow_loopback": True})


async def _round(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with delivery.new_client() as http:
        return await delivery.deliver_round(sessions, http, allow_loopback=True)


async def _subscribe(
    client: httpx.AsyncClient, world: World, url: str, **extra: Any
) -> dict[str, Any]:
    created = await client.post(
        f"{API}/webhooks", json={"url": url, **extra}, headers=await world.auth("aaro")
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def test_each_event_arrives_signed_exactly_once_after_a_failed_first_delivery(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    loopback: None,
    frozen: None,
) -> None:
    created = await _subscribe(client, world, receiver.url, description="Tiketöinti")
    secret = created["secret"]
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Kassa kaatuu aamuisin."},
        headers=await world.auth("anna"),
    )
    iid = posted.json()["id"]
    acked = await client.post(f"{API}/insights/{iid}/acknowledge", headers=await world.auth("mia"))
    assert acked.status_code == 200

    assert await _round(sessions) >= 2
    first = {r.message_id for r in receiver.requests}
    assert len(first) >= 2
    assert all(r.status == 500 for r in receiver.requests)
    # Nothing is due again before the backoff.
    assert await _round(sessions) == 0

    clock.freeze(NINE + timedelta(seconds=6))
    assert await _round(sessions) == len(first)
    clock.freeze(NINE + timedelta(days=2))
    assert await _round(sessions) == 0

    assert sorted(receiver.succeeded()) == sorted(first)
    assert all(verifies(secret, r) for r in receiver.requests)
    payloads = [json.loads(r.body) for r in receiver.requests if r.status < 300]
    types = {p["type"] for p in payloads}
    assert {"insight.posted", "insight.acknowledged"} <= types
    assert all(p["data"]["insight_id"] == iid for p in payloads)

    log = await client.get(
        f"{API}/webhooks/{created['webhook']['id']}/deliveries", headers=await world.auth("aaro")
    )
    assert log.status_code == 200
    assert {d["message_id"] for d in log.json()} == first
    for entry in log.json():
        assert entry["state"] == "succeeded"
        assert [(a["attempt"], a["status_code"], a["succeeded"]) for a in entry["attempts"]] == [
            (1, 500, False),
            (2, 204, True),
        ]
        assert entry["attempts"][0]["next_attempt_at"] == "2026-03-02T09:00:05Z"


async def test_a_confidential_reporter_is_not_named_to_receivers(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    loopback: None,
    frozen: None,
) -> None:
    await _subscribe(client, world, receiver.url, event_types=["posted"])
    anna = await world.auth("anna")
    for visibility in ("confidential", "named"):
        await client.post(
            f"{API}/insights",
            json={"kind": "idea", "text": f"Idea, {visibility}.", "visibility": visibility},
            headers=anna,
        )
    await _round(sessions)
    clock.freeze(NINE + timedelta(seconds=10))
    await _round(sessions)
    data = {
        json.loads(r.body)["data"]["insight_id"]: json.loads(r.body)
        for r in receiver.requests
        if r.status < 300
    }
    assert len(data) == 2
    assert {p["type"] for p in data.values()} == {"insight.posted"}
    actors = sorted(str(p["data"].get("actor_id")) for p in data.values())
    assert actors == sorted(["None", str(world.people["anna"].id)])


async def test_delivery_refuses_a_loopback_target_unless_allowed(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    loopback: None,
    frozen: None,
) -> None:
    created = await _subscribe(client, world, receiver.url)
    await client.post(
        f"{API}/insights", json={"kind": "idea", "text": "Idea."}, headers=await world.auth("anna")
    )
    async with delivery.new_client() as http:
        await delivery.deliver_round(sessions, http, allow_loopback=False)
    assert receiver.requests == []
    log = await client.get(
        f"{API}/webhooks/{created['webhook']['id']}/deliveries", headers=await world.auth("aaro")
    )
    attempt = log.json()[0]["attempts"][0]
    assert attempt["status_code"] is None
    assert "not a public address" in attempt["error"]


async def test_a_delivery_gives_up_after_the_last_attempt(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    loopback: None,
    frozen: None,
) -> None:
    # A closed port: every attempt fails to connect.
    created = await _subscribe(client, world, "http://127.0.0.1:9/hook", event_types=["posted"])
    await client.post(
        f"{API}/insights", json={"kind": "idea", "text": "Idea."}, headers=await world.auth("anna")
    )
    at = NINE
    for wait in (timedelta(0), *webhooks_service.BACKOFF):
        at += wait
        clock.freeze(at)
        assert await _round(sessions) == 1
    clock.freeze(at + timedelta(days=7))
    assert await _round(sessions) == 0
    log = await client.get(
        f"{API}/webhooks/{created['webhook']['id']}/deliveries", headers=await world.auth("aaro")
    )
    (entry,) = log.json()
    assert entry["state"] == "failed"
    assert len(entry["attempts"]) == webhooks_service.MAX_ATTEMPTS
    assert entry["attempts"][-1]["next_attempt_at"] is None


async def test_two_workers_never_double_an_event(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    receiver: Receiver,
    database_url: str,
    frozen: None,
) -> None:
    world, sessions = committed
    async with sessions() as session:
        aaro = await org_service.load_principal(session, world.people["aaro"].subject)
        anna = await org_service.load_principal(session, world.people["anna"].subject)
        assert aaro is not None and anna is not None
        created = await webhooks_service.create_webhook(
            session, aaro, WebhookCreate(url=receiver.url), allow_loopback=True
        )
        for n in range(30):
            await posting.create_insight(
                session, anna, InsightCreate(kind="idea", text=f"Idea numero {n}.")
            )
        await session.commit()

    # Two workers, each with its own queue connection, running the real task together.
    queues = [build_queue(database_url), build_queue(database_url)]

    async def worker(queue: Any) -> None:
        async with queue.open_async():
            await queue.configure_task("deliver_webhooks").defer_async(timestamp=0)
            await run_worker(
                queue,
                sessions,
                wait=False,
                install_signal_handlers=False,
                webhook_allow_loopback=True,
            )

    await asyncio.gather(*(worker(q) for q in queues))
    clock.freeze(NINE + timedelta(minutes=1))
    await asyncio.gather(*(worker(q) for q in queues))

    succeeded = receiver.succeeded()
    assert len(succeeded) == len(set(succeeded))
    async with sessions() as session:
        per_event = (
            await session.execute(
                select(WebhookDelivery.event_id, func.count())
                .where(WebhookDelivery.subscription_id == created.webhook.id)
                .group_by(WebhookDelivery.event_id)
            )
        ).all()
    assert per_event and all(count == 1 for _, count in per_event)
    assert len(per_event) == len(succeeded)
    assert all(verifies(created.secret, r) for r in receiver.requests)


async def test_two_dispatchers_take_disjoint_events_and_make_each_delivery_once(
    committed: tuple[World, async_sessionmaker[AsyncSession]], frozen: None
) -> None:
    world, sessions = committed
    async with sessions() as session:
        aaro = await org_service.load_principal(session, world.people["aaro"].subject)
        anna = await org_service.load_principal(session, world.people["anna"].subject)
        assert aaro is not None and anna is not None
        created = await webhooks_service.create_webhook(
            session, aaro, WebhookCreate(url="https://hooks.example.com/in"), allow_loopback=False
        )
        for n in range(12):
            await posting.create_insight(
                session, anna, InsightCreate(kind="idea", text=f"Idea numero {n}.")
            )
        await session.commit()

    taken = [0, 0]

    async def dispatcher(me: int) -> None:
        # Small batches, each held open a moment, so the two interleave.
        while True:
            async with sessions() as session:
                count = await webhooks_service.dispatch_events(session, now=NINE, limit=3)
                await asyncio.sleep(0.02)
                await session.commit()
            if count == 0:
                return
            taken[me] += count

    await asyncio.gather(dispatcher(0), dispatcher(1))
    assert taken[0] and taken[1], "both dispatchers should have done some of the work"
    async with sessions() as session:
        per_event = (
            await session.execute(
                select(WebhookDelivery.event_id, func.count())
                .where(WebhookDelivery.subscription_id == created.webhook.id)
                .group_by(WebhookDelivery.event_id)
            )
        ).all()
    assert len(per_event) == taken[0] + taken[1]
    assert all(count == 1 for _, count in per_event)
