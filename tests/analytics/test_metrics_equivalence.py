"""The listening metrics read the timeline facts kept by the trigger and aggregate totals,
children and trend in one pass; they answer exactly what the first, straightforward
statements (`metrics_reference`) compute from the raw timeline, on a seeded mix of
statuses, deadlines met and missed, escalations, repeated acts, customer contacts,
confidential insights shown higher up, merged duplicates and several bucket sizes."""

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Unit
from app.platform import clock
from tests.analytics.metrics_reference import reference
from tests.factories import World

API = "/api/v1"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
OPEN = ("new", "acknowledged", "in_progress")

_INSIGHT = text(
    """
INSERT INTO insights (org_id, id, unit_id, shown_unit_id, author_id, kind, text,
  customer_impact, occurred_at, visibility, status, owner_unit_id, ack_due_at, respond_due_at,
  ack_minutes, respond_minutes, acknowledged_at, closed_at, loop_closed_at, merged_into_id,
  endorsement_count, version, created_at, updated_at)
VALUES (:org_id, :id, :unit_id, :shown_unit_id, :author_id, 'complaint', 'Kylmälaite hälyttää.',
  0, :created_at, :visibility, :status, :unit_id, :ack_due_at, :respond_due_at, :ack_minutes,
  :respond_minutes, :acknowledged_at, :closed_at, :loop_closed_at, :merged_into_id, 0, 1,
  :created_at, :created_at)
"""
)
_EVENT = text(
    """
INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at)
VALUES (:org_id, :insight_id, :type, :actor_id, CAST(:data AS jsonb), :created_at)
"""
)
_CONTACT = text(
    """
INSERT INTO customer_contacts (org_id, insight_id, channel, name, address, consent_text,
  consented_at, recorded_by, due_at, told_at)
VALUES (:org_id, :insight_id, 'email', 'Liisa', 'liisa@example.fi', 'Saa ottaa yhteyttä.',
  :created_at, :recorded_by, :created_at, :told_at)
"""
)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


async def _seed(session: AsyncSession, world: World, n: int = 260) -> None:
    rng = random.Random(13)
    org = world.kauppa
    units = list(org.units.values())
    parents = {u.id: u.parent_id for u in units}
    manager = world.people["rita"].id
    insights: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    open_ids: list[uuid.UUID] = []

    def later(at: datetime, most_seconds: int) -> datetime:
        return at + timedelta(seconds=rng.randint(1, most_seconds))

    def event(insight_id: uuid.UUID, kind: str, at: datetime, **data: Any) -> None:
        events.append(
            {
                "org_id": org.id,
                "insight_id": insight_id,
                "type": kind,
                "actor_id": manager,
                "data": json.dumps(data),
                "created_at": at,
            }
        )

    for _ in range(n):
        unit: Unit = rng.choice(units)
        iid = uuid.uuid4()
        # Whole seconds past a moment with microseconds: means sum exactly in any order.
        created = FIRST + timedelta(seconds=rng.randint(0, 75 * 86400), microseconds=417)
        status = rng.choice(["new", "acknowledged", "in_progress", "resolved", "declined"])
        merged_into = None
        if open_ids and rng.random() < 0.08:
            status, merged_into = "merged", rng.choice(open_ids)
        confidential = rng.random() < 0.3
        ack_minutes = rng.choice([120, 48 * 60])
        respond_minutes = rng.choice([24 * 60, 7 * 24 * 60])
        escalations = rng.choice([0, 0, 0, 1, 2])
        acknowledged = (
            later(created, 4 * 86400)
            if status not in ("new", "merged") or rng.random() < 0.1
            else None
        )
        closed = later(created, 9 * 86400) if status in ("resolved", "declined") else None
        loop_closed = closed + timedelta(seconds=60) if closed and rng.random() < 0.7 else None
        if acknowledged and closed and acknowledged > closed:
            acknowledged = closed
        insights.append(
            {
                "org_id": org.id,
                "id": iid,
                "unit_id": unit.id,
                "shown_unit_id": (parents[unit.id] or unit.id) if confidential else unit.id,
                "author_id": world.people["anna"].id,
                "visibility": "confidential" if confidential else "named",
                "status": status,
                "ack_due_at": created + timedelta(minutes=ack_minutes * (1 + escalations)),
                "respond_due_at": created + timedelta(minutes=respond_minutes * (1 + escalations)),
                "ack_minutes": ack_minutes,
                "respond_minutes": respond_minutes,
                "acknowledged_at": acknowledged,
                "closed_at": closed,
                "loop_closed_at": loop_closed,
                "merged_into_id": merged_into,
                "created_at": created,
            }
        )
        if status in OPEN:
            open_ids.append(iid)
        event(iid, "posted", created)
        for step in range(escalations):
            event(iid, "escalated", created + timedelta(minutes=ack_minutes * (step + 1)))
        if acknowledged:
            event(iid, "acknowledged", acknowledged)
        # Acts repeated, and written out of order: the earliest counts.
        for kind, chance in (("action_linked", 0.5), ("reporter_told", 0.4)):
            times = [later(created, 6 * 86400) for _ in range(2) if rng.random() < chance]
            for at in sorted(times, reverse=True):
                event(iid, kind, at)
        if loop_closed:
            event(iid, "reporter_told", loop_closed)
            event(iid, "loop_closed", loop_closed)
        if rng.random() < 0.25:
            told = later(created, 5 * 86400) if rng.random() < 0.6 else None
            contacts.append(
                {
                    "org_id": org.id,
                    "insight_id": iid,
                    "created_at": created,
                    "recorded_by": manager,
                    "told_at": told,
                }
            )
            if told:
                event(iid, "customer_told", told, status="delivered")
    await session.execute(_INSIGHT, insights)
    await session.execute(_EVENT, events)
    await session.execute(_CONTACT, contacts)
    await session.commit()


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("who", "unit", "start", "end", "bucket"),
    [
        ("aaro", "root", FIRST - timedelta(days=3), NOW, "week"),
        ("aaro", "root", datetime(2026, 2, 3, 7, 30, tzinfo=UTC), NOW, "day"),
        ("hanna", "root", FIRST, datetime(2026, 3, 1, tzinfo=UTC), "month"),
        ("rita", "south", FIRST, NOW, "week"),
        ("mia", "store_a", FIRST, NOW, "day"),
        ("aaro", "team_a1", FIRST, NOW, None),
    ],
)
async def test_the_metrics_equal_the_straightforward_computation(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    frozen: None,
    who: str,
    unit: str,
    start: datetime,
    end: datetime,
    bucket: str | None,
) -> None:
    await _seed(session, world)
    chosen = world.units[unit]
    params: dict[str, Any] = {
        "unit_id": str(chosen.id),
        "from": _iso(start),
        "to": _iso(end),
        "group_by": "unit",
    }
    if bucket:
        params["bucket"] = bucket
    response = await client.get(
        f"{API}/metrics/listening", params=params, headers=await world.auth(who)
    )
    assert response.status_code == 200, response.text
    metrics = response.json()
    expected = await reference(
        session,
        {
            "org_id": world.kauppa.id,
            "subtree": chosen.path + "%",
            "start": start,
            "end": end,
            "now": NOW,
            "unit_id": chosen.id,
            "unit_name": chosen.name,
            "bucket": bucket or "day",
        },
    )
    # The seed covers what the metrics tell apart.
    assert expected["totals"]["insights"] > 0
    if unit == "root":
        totals = expected["totals"]
        assert totals["escalations"] > 0 and totals["open_now"] > 0
        assert totals["time_to_tell_customer"]["count"] > 0
        assert totals["acknowledged_within_deadline"]["met"] > 0
        assert totals["acknowledged_within_deadline"]["met"] < totals["insights"]
    assert metrics["totals"] == expected["totals"]
    assert metrics["units"] == expected["units"]
    if bucket:
        assert metrics["trend"] == expected["trend"]
