"""`/metrics`: Prometheus's text format for the holder of the metrics token, with request
latency, the database pool, the queue, escalations, deliveries and the oldest insight
nobody has acknowledged."""

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.insights import escalation
from app.main import create_app
from app.platform import clock
from app.web.runtime import Runtime
from app.webhooks import service as webhooks_service
from tests.factories import World, owner_after_each_request

API = "/api/v1"
TOKEN = "scrape-8f2c"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def metered(
    runtime: Runtime, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    runtime.settings = runtime.settings.model_copy(
        update={"metrics_token": TOKEN, "webhook_allow_loopback": True}
    )
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=owner_after_each_request(app, connection))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


async def test_metrics_are_not_served_without_a_token_setting(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404


async def test_metrics_need_the_token(metered: httpx.AsyncClient, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, await world.auth("aaro")):
        refused = await metered.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert "insight_" not in refused.text


async def test_metrics_show_requests_pool_queue_escalations_deliveries_and_waiting_insights(
    metered: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    slug = (
        await session.execute(
            text("SELECT slug FROM organisations WHERE id = :id"), {"id": world.kauppa.id}
        )
    ).scalar_one()
    clock.freeze(NINE)
    try:
        created = await metered.post(
            f"{API}/webhooks",
            json={"url": "http://127.0.0.1:9/hook"},
            headers=await world.auth("aaro"),
        )
        assert created.status_code == 201, created.text
        ids = []
        for kind in ("complaint", "idea"):
            posted = await metered.post(
                f"{API}/insights",
                json={
                    "kind": kind,
                    "text": "Kylmälaite hälyttää taas iltaisin.",
                    "unit_id": str(world.units["store_a"].id),
                },
                headers=await world.auth("anna"),
            )
            assert posted.status_code == 201, posted.text
            ids.append(posted.json()["id"])
        clock.freeze(NINE + timedelta(hours=1))
        # The idea is acknowledged; the complaint waits, and its deadline passes.
        acknowledged = await metered.post(
            f"{API}/insights/{ids[1]}/acknowledge", headers=await world.auth("mia")
        )
        assert acknowledged.status_code == 200, acknowledged.text
        async with sessions() as worker:
            report = await escalation.escalate_overdue(worker, now=NINE + timedelta(days=3))
            await webhooks_service.dispatch_events(worker, now=clock.now())
            await worker.commit()
        assert report
    finally:
        clock.freeze(None)
    await session.execute(
        text(
            "INSERT INTO procrastinate.procrastinate_jobs (queue_name, task_name, args, status) "
            "VALUES ('webhooks', 'deliver_webhooks', '{}', 'failed')"
        )
    )
    await session.commit()

    scraped = await metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(scraped.text)

    count = _value(
        samples,
        "insight_http_request_duration_seconds_count",
        route="/api/v1/insights",
        method="POST",
        status="201",
    )
    assert count == 2
    assert (
        _value(
            samples,
            "insight_http_request_duration_seconds_count",
            route="/api/v1/insights/{insight_id}/acknowledge",
            method="POST",
            status="200",
        )
        == 1
    )
    assert not [name for name, labels in samples if dict(labels).get("route") == "/metrics"]
    assert _value(samples, "insight_db_pool_size") >= 1
    assert _value(samples, "insight_db_pool_checked_out") >= 0
    assert (
        _value(
            samples, "insight_queue_jobs", queue="webhooks", job="deliver_webhooks", status="failed"
        )
        == 1
    )
    assert _value(samples, "insight_escalations_total", org=slug) >= 1
    assert _value(samples, "insight_webhook_deliveries", state="pending") >= 3
    # Only the complaint waits: posted at nine, nine months and more before now.
    waiting = _value(samples, "insight_oldest_unacknowledged_insight_age_seconds", org=slug)
    assert waiting >= (datetime.now(UTC) - NINE).total_seconds() - 60
    assert "insight_notification_emails" in scraped.text

    # Every metric the Grafana dashboard plots is one /metrics serves.
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "insight.json").read_text())
    plotted = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"insight_[a-z_]+", target["expr"])
    }
    served = {family.name for family in text_string_to_metric_families(scraped.text)}
    served |= {f"{name}_total" for name in served}
    assert len(plotted) >= 8 and plotted <= served, plotted - served
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in dashboard["panels"])
