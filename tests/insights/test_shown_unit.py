"""A confidential insight's unit, as everyone but its reporter sees it: the nearest level
with enough people at home not to point at the reporter. In the test world Anna is the only
person of her team (team_a1); her store has three people, the south region six."""

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.gql.ids import global_id
from app.platform import clock
from app.webhooks import service as webhooks_service
from tests.factories import World
from tests.insights.test_api import post_insight

API = "/api/v1"
OTHERS = ("mia", "rita", "hanna", "aaro")


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _confidential(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    return await post_insight(
        client, world, "anna", kind="complaint", text="Vuorolistat.", visibility="confidential"
    )


async def test_a_confidential_insight_shows_a_unit_that_does_not_name_its_reporter(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    team, south = str(world.units["team_a1"].id), str(world.units["south"].id)
    await _ok(
        await client.post(
            f"{API}/webhooks",
            json={"url": "https://hooks.example.com/all"},
            headers=await world.auth("aaro"),
        ),
        201,
    )
    posted = await _confidential(client, world)
    iid = posted["id"]
    # The reporter sees where she posted it.
    assert posted["unit"]["id"] == team
    anna = await world.auth("anna")
    assert (await _ok(await client.get(f"{API}/insights/{iid}", headers=anna)))["unit"][
        "id"
    ] == team
    mine = await _ok(await client.get(f"{API}/insights", params={"unit_id": team}, headers=anna))
    assert [i["id"] for i in mine["items"]] == [iid]

    # Her team has one person, her store three: the region of six is shown.
    for who in OTHERS:
        headers = await world.auth(who)
        detail = await client.get(f"{API}/insights/{iid}", headers=headers)
        assert detail.json()["unit"] == {"id": south, "name": "South"}, who
        timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=headers)
        listed = await client.get(f"{API}/insights", headers=headers)
        for response in (detail, timeline, listed):
            assert response.status_code == 200, response.text
            assert team not in response.text, (who, response.url)
        (event,) = [e for e in timeline.json() if e["type"] == "posted"]
        assert event["data"]["unit_id"] == south
        # Filtering by her team does not single it out.
        by_team = await _ok(
            await client.get(f"{API}/insights", params={"unit_id": team}, headers=headers)
        )
        assert by_team["items"] == [], who

    inbox = await _ok(await client.get(f"{API}/inbox", headers=await world.auth("mia")))
    assert [i["unit"]["id"] for i in inbox["items"] if i["id"] == iid] == [south]
    graphql = await client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { insight(id: $id) { unit { id name } } }",
            "variables": {"id": str(global_id("Insight", iid))},
        },
        headers=await world.auth("mia"),
    )
    assert graphql.json()["data"]["insight"]["unit"] == {
        "id": str(global_id("Unit", world.units["south"].id)),
        "name": "South",
    }

    # Metrics count it where it is shown: at the region itself, in no store.
    metrics = await _ok(
        await client.get(
            f"{API}/metrics/listening",
            params={"unit_id": south, "group_by": "unit"},
            headers=await world.auth("rita"),
        )
    )
    groups = {g["unit"]["id"]: g["metrics"]["insights"] for g in metrics["units"]}
    assert groups[south] == 1 and groups[str(world.units["store_a"].id)] == 0

    await webhooks_service.dispatch_events(session, now=clock.now())
    await session.commit()
    payloads = (
        (await session.execute(text("SELECT payload::text FROM webhook_deliveries")))
        .scalars()
        .all()
    )
    assert payloads
    assert not [p for p in payloads if team in p]
    assert [p for p in payloads if south in p and "insight.posted" in p]


async def test_named_insights_show_their_unit(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    detail = await _ok(await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia")))
    assert detail["unit"]["id"] == str(world.units["team_a1"].id)


async def test_administrators_set_how_many_people_a_shown_unit_needs(
    client: httpx.AsyncClient, world: World
) -> None:
    aaro = await world.auth("aaro")
    assert await _ok(await client.get(f"{API}/organisation/anonymity", headers=aaro)) == {
        "confidential_unit_min_people": 5
    }
    refused = await client.put(
        f"{API}/organisation/anonymity",
        json={"confidential_unit_min_people": 3},
        headers=await world.auth("hanna"),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_an_admin")
    invalid = await client.put(
        f"{API}/organisation/anonymity", json={"confidential_unit_min_people": 0}, headers=aaro
    )
    assert invalid.status_code == 422
    mia = await world.auth("mia")
    for least, shown in ((3, "store_a"), (1, "team_a1"), (100, "root")):
        await _ok(
            await client.put(
                f"{API}/organisation/anonymity",
                json={"confidential_unit_min_people": least},
                headers=aaro,
            )
        )
        iid = (await _confidential(client, world))["id"]
        detail = await _ok(await client.get(f"{API}/insights/{iid}", headers=mia))
        assert detail["unit"]["id"] == str(world.units[shown].id), least
    # The other organisation keeps its own threshold.
    pekka = await world.auth("pekka")
    assert await _ok(await client.get(f"{API}/organisation/anonymity", headers=pekka)) == {
        "confidential_unit_min_people": 5
    }
