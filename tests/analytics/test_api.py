"""Listening metrics read back exactly what happened on the timeline, over REST, GraphQL and
as a chart, for those who may read them and nobody else."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.insights import escalation as insight_escalation
from app.org import service as org_service
from app.org.models import Role
from app.platform import clock
from tests.factories import World
from tests.gql.client import GraphQL, codes, gid

API = "/api/v1"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
CONTACT = {
    "name": "Liisa Asiakas",
    "channel": "email",
    "address": "liisa.asiakas@example.fi",
    "consent": True,
}


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NINE)
    yield
    clock.freeze(None)


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    moment = datetime(2026, 3, day, hour, minute, tzinfo=UTC)
    clock.freeze(moment)
    return moment


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _metrics(
    client: httpx.AsyncClient, world: World, who: str, **params: Any
) -> dict[str, Any]:
    result: dict[str, Any] = await _ok(
        await client.get(f"{API}/metrics/listening", params=params, headers=await world.auth(who))
    )
    return result


async def _store_rule(client: httpx.AsyncClient, world: World) -> None:
    await _ok(
        await client.post(
            f"{API}/routing-rules",
            json={
                "name": "Store complaints",
                "match": {"kinds": ["complaint"]},
                "target": {"levels_up": 0},
                "ack_hours": 2,
                "respond_hours": 24,
                "position": 0,
            },
            headers=await world.auth("aaro"),
        ),
        201,
    )


async def _post(
    client: httpx.AsyncClient, world: World, who: str = "anna", unit: str = "store_a", **extra: Any
) -> str:
    insight = await _ok(
        await client.post(
            f"{API}/insights",
            json={
                "kind": "complaint",
                "text": "Kylmälaite hälyttää, asiakkaat valittavat lämpimistä maitotuotteista.",
                "unit_id": str(world.units[unit].id),
                **extra,
            },
            headers=await world.auth(who),
        ),
        201,
    )
    iid: str = insight["id"]
    return iid


def _duration(seconds: float | None, count: int = 1) -> dict[str, Any]:
    return {
        "count": count,
        "median_seconds": seconds,
        "p90_seconds": seconds,
        "mean_seconds": seconds,
    }


def _share(met: int, of: int) -> dict[str, Any]:
    return {"met": met, "of": of, "share": met / of if of else None}


EMPTY = {
    "insights": 0,
    "time_to_acknowledge": _duration(None, 0),
    "time_to_first_action": _duration(None, 0),
    "time_to_tell_reporter": _duration(None, 0),
    "time_to_tell_customer": _duration(None, 0),
    "acknowledged_within_deadline": _share(0, 0),
    "loop_closed_within_deadline": _share(0, 0),
    "escalations": 0,
    "escalated": _share(0, 0),
    "open_now": 0,
    "overdue_now": 0,
}

ANSWERED = {
    "insights": 1,
    "time_to_acknowledge": _duration(9000),
    "time_to_first_action": _duration(9900),
    "time_to_tell_reporter": _duration(10800),
    "time_to_tell_customer": _duration(11400),
    # Acknowledged at 11:30, after the 11:00 it was routed with: the region's fresh deadline
    # after the escalation does not make it punctual.
    "acknowledged_within_deadline": _share(0, 1),
    # Resolved and the reporter told at 12:00, within the 24 hours to respond.
    "loop_closed_within_deadline": _share(1, 1),
    "escalations": 1,
    "escalated": _share(1, 1),
    "open_now": 0,
    "overdue_now": 0,
}


async def _escalated_and_answered(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """The issue's scenario: posted at a store at 09:00, nobody acts, the region answers."""
    await _store_rule(client, world)
    iid = await _post(client, world, customer_contact=CONTACT)

    escalation = at(11, 1)
    async with sessions() as session:
        await insight_escalation.escalate_overdue(session, now=escalation)
        await session.commit()
    # Tokens live ten minutes: each step asks for a fresh one at the frozen time.
    rita = await world.auth("rita")
    moved = await _ok(await client.get(f"{API}/insights/{iid}", headers=rita))
    assert moved["owner_unit"]["id"] == str(world.units["south"].id)
    feed = await _ok(await client.get(f"{API}/notifications", headers=rita))
    assert "insight_escalated" in [n["kind"] for n in feed["items"]]

    at(11, 30)
    await _ok(
        await client.post(f"{API}/insights/{iid}/acknowledge", headers=await world.auth("rita"))
    )
    at(11, 45)
    await _ok(
        await client.post(
            f"{API}/actions",
            json={"title": "Huolla kylmälaitteet", "insight_ids": [iid]},
            headers=await world.auth("rita"),
        ),
        201,
    )
    at(12)
    await _ok(
        await client.post(
            f"{API}/insights/{iid}/resolve",
            json={"resolution": "Kylmälaite korjattu."},
            headers=await world.auth("rita"),
        )
    )
    await _ok(
        await client.post(
            f"{API}/insights/{iid}/communications",
            json={"message": "Laite on korjattu, kiitos!"},
            headers=await world.auth("rita"),
        ),
        201,
    )
    at(12, 5)
    # No e-mail is configured: the message awaits a person, who calls the customer.
    told = await _ok(
        await client.post(
            f"{API}/insights/{iid}/communications",
            json={"message": "Laite on korjattu.", "audience": "customer"},
            headers=await world.auth("rita"),
        ),
        201,
    )
    at(12, 10)
    await _ok(
        await client.post(
            f"{API}/communications/{told['id']}/delivered", headers=await world.auth("rita")
        )
    )
    return iid


async def test_a_customer_message_nothing_sent_is_not_counted_as_told(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    for channel, address in (("sms", "+358401234567"), ("phone", "0401234567")):
        iid = await _post(
            client, world, customer_contact={**CONTACT, "channel": channel, "address": address}
        )
        at(10)
        await _ok(
            await client.post(
                f"{API}/insights/{iid}/communications",
                json={"message": "Asia on korjattu.", "audience": "customer"},
                headers=await world.auth("mia"),
            ),
            201,
        )
    totals = (await _metrics(client, world, "mia", **DAY))["totals"]
    assert totals["time_to_tell_customer"] == _duration(None, 0)


async def test_escalated_insight_answered_by_the_region_reads_back_exact_durations(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    await _escalated_and_answered(client, world, sessions)

    metrics = await _metrics(
        client,
        world,
        "rita",
        unit_id=str(world.units["south"].id),
        group_by=["unit", "manager"],
        **DAY,
    )
    assert metrics["unit"] == {"id": str(world.units["south"].id), "name": "South"}
    assert (metrics["start"], metrics["end"]) == ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert metrics["totals"] == ANSWERED
    assert [(g["unit"]["name"], g["metrics"]) for g in metrics["units"]] == [
        ("Store A", ANSWERED),
        ("Store B", EMPTY),
    ]
    [rita] = metrics["managers"]
    assert rita == {
        "manager": {"id": str(world.people["rita"].id), "display_name": "Rita"},
        "insights": 1,
        **{
            k: ANSWERED[k]
            for k in (
                "time_to_acknowledge",
                "time_to_first_action",
                "time_to_tell_reporter",
                "time_to_tell_customer",
                "acknowledged_within_deadline",
                "loop_closed_within_deadline",
            )
        },
    }
    # The reporter is never named, not even by id.
    assert str(world.people["anna"].id) not in str(metrics)


async def test_open_and_overdue_insights_and_their_deadlines(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    await _store_rule(client, world)
    await _post(client, world)
    at(10)
    await _post(client, world)
    at(11, 30)
    totals = (await _metrics(client, world, "mia", **DAY))["totals"]
    assert (totals["insights"], totals["open_now"], totals["overdue_now"]) == (2, 2, 1)
    # The one posted at 10:00 can still be acknowledged on time: it is not judged yet.
    assert totals["acknowledged_within_deadline"] == _share(0, 1)
    assert totals["time_to_acknowledge"] == _duration(None, 0)


async def test_who_may_read_and_where(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    gql = GraphQL(client, world)
    store_a, south = str(world.units["store_a"].id), str(world.units["south"].id)
    for who, params, status, code in (
        ("anna", {}, 403, "not_a_reader"),
        ("anna", {"unit_id": store_a}, 403, "not_a_reader"),
        # Another store's manager, and a manager below the region, find nothing there.
        ("max", {"unit_id": store_a}, 404, "not_found"),
        ("mia", {"unit_id": south}, 404, "not_found"),
        # Another organisation's people cannot probe this one's units.
        ("oona", {"unit_id": store_a}, 404, "not_found"),
        ("pekka", {"unit_id": south}, 404, "not_found"),
        (
            "mia",
            {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
            422,
            "invalid_period",
        ),
        ("mia", {"from": "2020-01-01T00:00:00Z", "bucket": "day"}, 422, "too_many_buckets"),
    ):
        response = await client.get(
            f"{API}/metrics/listening", params=params, headers=await world.auth(who)
        )
        assert response.status_code == status, (who, params, response.text)
        if code is not None:
            assert response.json()["code"] == code, (who, params)

    # Without a unit: the top of the caller's reading scope.
    assert (await _metrics(client, world, "mia"))["unit"]["id"] == store_a
    assert (await _metrics(client, world, "hanna"))["unit"]["id"] == str(world.kauppa.root.id)
    # HR reads the per-manager breakdown too.
    assert (await _metrics(client, world, "hanna", group_by="manager"))["managers"] == []

    # Someone who reads two separate subtrees must say which.
    await org_service.grant_role(
        session,
        org_id=world.kauppa.id,
        person_id=world.people["max"].id,
        role=Role.MANAGER,
        unit_id=world.units["store_c"].id,
    )
    await session.commit()
    unchosen = await client.get(f"{API}/metrics/listening", headers=await world.auth("max"))
    assert (unchosen.status_code, unchosen.json()["code"]) == (422, "unit_required")
    chosen = await _metrics(client, world, "max", unit_id=str(world.units["store_c"].id))
    assert chosen["unit"]["name"] == "Store C"

    denied = await gql.run("anna", "ListeningMetrics")
    assert codes(denied) == ["not_a_reader"]
    hidden = await gql.run("oona", "ListeningMetrics", unitId=gid("Unit", store_a))
    assert codes(hidden) == ["not_found"]


async def test_period_filters_by_posting_time_and_empty_periods_are_null(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    first = await _post(client, world)
    at(9, day=5)
    await _post(client, world)
    mia = await world.auth("mia")
    await _ok(await client.post(f"{API}/insights/{first}/acknowledge", headers=mia))

    at(10, day=6)
    march_2 = await _metrics(client, world, "mia", **DAY)
    assert march_2["totals"]["insights"] == 1
    # Acknowledged three days later: the period is chosen by posting, not by the act.
    assert march_2["totals"]["time_to_acknowledge"] == _duration(3 * 86400)
    later = await _metrics(client, world, "mia", **{"from": "2026-03-03T00:00:00Z"})
    assert later["end"] == "2026-03-06T10:00:00Z"
    assert later["totals"]["insights"] == 1
    empty = await _metrics(
        client, world, "mia", **{"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert empty["totals"] == EMPTY
    # By default the last 30 days.
    assert (await _metrics(client, world, "mia"))["start"] == "2026-02-04T10:00:00Z"


async def test_grouping_by_child_unit_and_the_unit_itself(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    await _post(client, world, "anna", "team_a1")
    await _post(client, world, "aku", "store_a")
    await _post(client, world, "ben", "store_b")
    await _post(client, world, "cecilia", "store_c")

    store = await _metrics(client, world, "mia", group_by="unit", **DAY)
    assert store["totals"]["insights"] == 2
    assert [(g["unit"]["name"], g["metrics"]["insights"]) for g in store["units"]] == [
        ("Store A", 1),
        ("Team A1", 1),
    ]
    company = await _metrics(client, world, "aaro", group_by="unit", **DAY)
    assert [(g["unit"]["name"], g["metrics"]["insights"]) for g in company["units"]] == [
        ("North", 1),
        ("South", 3),
    ]
    assert company["managers"] is None and company["trend"] is None


async def test_trend_buckets_cover_the_period_without_gaps(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    await _post(client, world)
    at(9, day=3)
    await _post(client, world)
    at(9, day=11)
    await _post(client, world)
    period = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-23T00:00:00Z"}

    weekly = await _metrics(client, world, "mia", bucket="week", **period)
    assert weekly["bucket"] == "week"
    assert [(p["start"], p["metrics"]["insights"]) for p in weekly["trend"]] == [
        ("2026-03-02T00:00:00Z", 2),
        ("2026-03-09T00:00:00Z", 1),
        ("2026-03-16T00:00:00Z", 0),
    ]
    assert weekly["trend"][2]["metrics"] == EMPTY
    monthly = await _metrics(client, world, "mia", bucket="month", **period)
    assert [(p["start"], p["metrics"]["insights"]) for p in monthly["trend"]] == [
        ("2026-03-01T00:00:00Z", 3)
    ]
    daily = await _metrics(client, world, "mia", bucket="day", **period)
    assert len(daily["trend"]) == 21
    assert sum(p["metrics"]["insights"] for p in daily["trend"]) == 3


async def test_the_trend_as_a_chart(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    await _escalated_and_answered(client, world, sessions)
    response = await client.get(
        f"{API}/metrics/listening.svg",
        params={"unit_id": str(world.units["south"].id), "bucket": "day", **DAY},
        headers=await world.auth("rita"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    svg = response.text
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'class="series insights"' in svg and 'class="series time-to-acknowledge"' in svg
    assert 'data-bucket="2026-03-02" data-value="1"' in svg
    assert 'data-bucket="2026-03-02" data-value="9000"' in svg
    forbidden = await client.get(f"{API}/metrics/listening.svg", headers=await world.auth("anna"))
    assert forbidden.status_code == 403
    png = await client.get(
        f"{API}/metrics/listening.png",
        params={"unit_id": str(world.units["south"].id), "bucket": "day", **DAY},
        headers=await world.auth("rita"),
    )
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size == (1280, 520)
    # One bucket of one insight: its bar, drawn in the bars' blue, fills part of the plot.
    assert (0x6A, 0x9F, 0xD4) in {colour for _, colour in image.convert("RGB").getcolors(1 << 20)}
    forbidden = await client.get(f"{API}/metrics/listening.png", headers=await world.auth("anna"))
    assert forbidden.status_code == 403


async def test_the_same_read_through_graphql(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    frozen: None,
) -> None:
    gql = GraphQL(client, world)
    await _escalated_and_answered(client, world, sessions)
    data = await gql.data(
        "rita",
        "ListeningMetrics",
        unitId=gid("Unit", world.units["south"].id),
        groupBy=["MANAGER", "UNIT"],
        bucket="DAY",
        **DAY,
    )
    metrics = data["listeningMetrics"]
    totals = metrics["totals"]
    assert [
        totals[k]["medianSeconds"]
        for k in (
            "timeToAcknowledge",
            "timeToFirstAction",
            "timeToTellReporter",
            "timeToTellCustomer",
        )
    ] == [9000, 9900, 10800, 11400]
    assert totals["loopClosedWithinDeadline"] == {"met": 1, "of": 1, "share": 1.0}
    assert totals["acknowledgedWithinDeadline"] == {"met": 0, "of": 1, "share": 0.0}
    assert (totals["escalations"], totals["openNow"]) == (1, 0)
    [rita] = metrics["managers"]
    assert rita["manager"] == {"id": gid("Person", world.people["rita"].id), "displayName": "Rita"}
    assert rita["timeToTellCustomer"]["medianSeconds"] == 11400
    assert [g["unit"]["name"] for g in metrics["units"]] == ["Store A", "Store B"]
    assert [(p["start"], p["metrics"]["insights"]) for p in metrics["trend"]] == [
        ("2026-03-02T00:00:00+00:00", 1)
    ]


async def test_each_act_is_credited_to_whoever_did_it(
    client: httpx.AsyncClient, world: World, frozen: None
) -> None:
    iid = await _post(client, world)
    at(9, 30)
    await _ok(
        await client.post(f"{API}/insights/{iid}/acknowledge", headers=await world.auth("mia"))
    )
    at(10)
    rita = await world.auth("rita")
    await _ok(
        await client.post(
            f"{API}/insights/{iid}/resolve", json={"resolution": "Korjattu."}, headers=rita
        )
    )
    await _ok(
        await client.post(
            f"{API}/insights/{iid}/communications", json={"message": "Korjattu!"}, headers=rita
        ),
        201,
    )
    managers = (await _metrics(client, world, "rita", group_by="manager", **DAY))["managers"]
    assert [
        (
            m["manager"]["display_name"],
            m["insights"],
            m["time_to_acknowledge"]["median_seconds"],
            m["time_to_tell_reporter"]["median_seconds"],
            m["acknowledged_within_deadline"],
            m["loop_closed_within_deadline"],
        )
        for m in managers
    ] == [
        ("Mia", 1, 1800, None, _share(1, 1), _share(0, 0)),
        ("Rita", 1, None, 3600, _share(0, 0), _share(1, 1)),
    ]


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection.sync_connection, "before_cursor_execute", record)


async def test_a_full_read_costs_the_same_statements_however_many_insights(
    client: httpx.AsyncClient, world: World, statements: list[str], frozen: None
) -> None:
    full = {"group_by": ["unit", "manager"], "bucket": "day", **DAY}
    counts = []
    for posted, more in ((1, 1), (5, 4)):
        for _ in range(more):
            await _post(client, world)
        statements.clear()
        metrics = await _metrics(client, world, "aaro", **full)
        assert metrics["totals"]["insights"] == posted
        # The test's savepoint around the request and its role reset are the harness's.
        harness = ("SAVEPOINT", "RESET ROLE")
        counts.append(len([s for s in statements if not any(h in s for h in harness)]))
    # The caller, entering its organisation, the unit, JIT off for the transaction, then
    # totals, children and trend in one statement, the managers in another, and the audit
    # entry of an administrator's read.
    assert counts == [7, 7]
