"""A job runs under the request id it was deferred with, writes one line when it ends, and
its webhooks carry that id to the receiver."""

import json
import logging
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights import posting
from app.insights.schemas import InsightCreate
from app.jobs import build_queue, run_worker
from app.org import service as org_service
from app.platform import clock, request_ids
from app.web.runtime import Runtime
from app.webhooks import delivery
from app.webhooks import service as webhooks_service
from app.webhooks.schemas import WebhookCreate
from tests.factories import World
from tests.log_lines import json_lines
from tests.webhooks.receiver import Receiver

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_deferred_job_and_its_webhooks_carry_the_request_id(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    receiver: Receiver,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, sessions = committed
    async with sessions() as session:
        aaro = await org_service.load_principal(session, world.people["aaro"].subject)
        anna = await org_service.load_principal(session, world.people["anna"].subject)
        assert aaro is not None and anna is not None
        await webhooks_service.create_webhook(
            session, aaro, WebhookCreate(url=receiver.url), allow_loopback=True
        )
        await posting.create_insight(
            session, anna, InsightCreate(kind="idea", text="Kassajonoon tarvitaan opasteet.")
        )
        await session.commit()

    caplog.set_level(logging.INFO)
    queue = build_queue(database_url)
    token = request_ids.bind(request_ids.Work("req-4711"))
    try:
        arguments = request_ids.job_arguments(timestamp=0)
    finally:
        request_ids.unbind(token)
    assert arguments == {"timestamp": 0, "request_id": "req-4711"}
    async with queue.open_async():
        job_id = await queue.configure_task("deliver_webhooks").defer_async(**arguments)
        # A job deferred without one gets its own.
        other_id = await queue.configure_task("purge_idempotency_keys").defer_async(timestamp=0)
        await run_worker(
            queue, sessions, wait=False, install_signal_handlers=False, webhook_allow_loopback=True
        )

    assert receiver.requests, "the webhook was sent"
    assert {r.request_id for r in receiver.requests} == {"req-4711"}
    lines = {line["job_id"]: line for line in json_lines(caplog, "insight.jobs")}
    delivered, purged = lines[job_id], lines[other_id]
    assert delivered["message"] == "job"
    assert (delivered["job"], delivered["queue"], delivered["outcome"]) == (
        "deliver_webhooks",
        "webhooks",
        "succeeded",
    )
    assert delivered["request_id"] == "req-4711" and delivered["duration_ms"] > 0
    assert purged["job"] == "purge_idempotency_keys" and purged["outcome"] == "succeeded"
    assert len(purged["request_id"]) == 32 and purged["request_id"] != "req-4711"
    # Nothing of the job runs leaks into the code that deferred them.
    assert request_ids.current() is None


async def test_a_webhook_carries_the_id_of_the_request_that_made_its_event(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    runtime: Runtime,
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"webhook_allow_loopback": True})
    clock.freeze(NINE)
    try:
        created = await client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "event_types": ["posted", "acknowledged"]},
            headers=await world.auth("aaro"),
        )
        assert created.status_code == 201, created.text
        ids = {}
        for visibility in ("named", "confidential"):
            posted = await client.post(
                "/api/v1/insights",
                json={"kind": "idea", "text": f"Idea, {visibility}.", "visibility": visibility},
                headers={**await world.auth("anna"), "X-Request-ID": f"post-{visibility}"},
            )
            assert posted.status_code == 201, posted.text
            ids[posted.json()["id"]] = visibility
        timeline = await client.get(
            f"/api/v1/insights/{next(iter(ids))}/timeline", headers=await world.auth("anna")
        )
        assert "post-named" not in timeline.text
        async with delivery.new_client() as http:
            await delivery.deliver_round(sessions, http, allow_loopback=True)
    finally:
        clock.freeze(None)

    sent = {ids[json.loads(r.body)["data"]["insight_id"]]: r for r in receiver.requests}
    assert sent["named"].request_id == "post-named"
    # The confidential reporter's own request id never reaches the receiver.
    assert sent["confidential"].request_id is None
    assert all(b"post-" not in r.body and b"_request_id" not in r.body for r in receiver.requests)
