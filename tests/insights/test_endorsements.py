"""Endorsements ("me too") and the colleague rule that lets staff find what to back."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Role
from tests.factories import World, add_person
from tests.insights.test_api import post_insight

API = "/api/v1"


async def _endorse(
    client: httpx.AsyncClient, world: World, who: str, insight_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/insights/{insight_id}/endorsements", json=body, headers=await world.auth(who)
    )


async def test_colleague_finds_and_backs_a_named_insight_once(
    client: httpx.AsyncClient, world: World
) -> None:
    insight = await post_insight(client, world, "anna", text="Kassajono venyy lounasaikaan.")
    iid = insight["id"]
    aku = await world.auth("aku")

    # Aku works in the same store as Anna's team: her named insight is his to find.
    listed = await client.get(f"{API}/insights", headers=aku)
    assert [i["id"] for i in listed.json()["items"]] == [iid]

    first = await _endorse(client, world, "aku", iid, note="Sama iltaisin.")
    assert first.status_code == 201, first.text
    assert first.json()["unit"]["id"] == str(world.units["store_a"].id)
    assert first.json()["endorser"]["display_name"] == "Aku"
    again = await _endorse(client, world, "aku", iid, note="Toinen yritys.")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["note"] == "Sama iltaisin."

    as_mia = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))).json()
    assert as_mia["endorsement_count"] == 1
    assert as_mia["endorsing_units"] == [
        {"unit": {"id": str(world.units["store_a"].id), "name": "Store A"}, "count": 1}
    ]
    inbox = (await client.get(f"{API}/inbox", headers=await world.auth("mia"))).json()
    assert inbox["items"][0]["endorsement_count"] == 1

    # Managers see who backed it; the reporter sees from where, not who.
    by_mia = await client.get(f"{API}/insights/{iid}/endorsements", headers=await world.auth("mia"))
    assert [e["endorser"]["display_name"] for e in by_mia.json()] == ["Aku"]
    by_anna = await client.get(
        f"{API}/insights/{iid}/endorsements", headers=await world.auth("anna")
    )
    assert [e["endorser"] for e in by_anna.json()] == [None]
    timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("anna"))
    endorsed = [e for e in timeline.json() if e["type"] == "endorsed"]
    assert endorsed[0]["actor"] is None
    assert "Aku" not in timeline.text


async def test_reporter_cannot_back_their_own(client: httpx.AsyncClient, world: World) -> None:
    insight = await post_insight(client, world, "anna")
    own = await _endorse(client, world, "anna", insight["id"])
    assert (own.status_code, own.json()["code"]) == (403, "own_insight")


async def test_colleague_reads_the_insight_but_not_the_exchange(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    aku = await world.auth("aku")
    assert (await client.get(f"{API}/insights/{iid}", headers=aku)).status_code == 200
    for path in ("comments", "timeline"):
        response = await client.get(f"{API}/insights/{iid}/{path}", headers=aku)
        assert (response.status_code, response.json()["code"]) == (403, "not_in_thread")
    comment = await client.post(
        f"{API}/insights/{iid}/comments", json={"body": "Minäkin!"}, headers=aku
    )
    assert comment.status_code == 403


async def test_confidential_and_out_of_store_insights_stay_out_of_reach(
    client: httpx.AsyncClient, world: World
) -> None:
    secret = await post_insight(
        client, world, "anna", text="Vuoropäällikkö huutaa.", visibility="confidential"
    )
    named = await post_insight(client, world, "anna", text="Hyllyt ovat tyhjiä.")
    aku = await world.auth("aku")
    listed = await client.get(f"{API}/insights", headers=aku)
    assert [i["id"] for i in listed.json()["items"]] == [named["id"]]
    for who, iid in (
        ("aku", secret["id"]),
        ("ben", named["id"]),
        ("cecilia", named["id"]),
        ("olli", named["id"]),
        ("oona", named["id"]),
    ):
        read = await client.get(f"{API}/insights/{iid}", headers=await world.auth(who))
        assert read.status_code == 404, who
        backed = await _endorse(client, world, who, iid)
        assert (backed.status_code, backed.json()["code"]) == (404, "not_found"), who
        listing = await client.get(
            f"{API}/insights/{iid}/endorsements", headers=await world.auth(who)
        )
        assert listing.status_code == 404, who


async def test_another_stores_manager_cannot_see_or_back(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    # Max manages store B: Anna's store is not his, named or not.
    backed = await _endorse(client, world, "max", iid)
    assert backed.status_code == 404
    # A manager over both stores may back it from a unit of their choice.
    rita = await _endorse(
        client, world, "rita", iid, unit_id=str(world.units["store_b"].id), note="B:ssä myös."
    )
    assert rita.status_code == 201, rita.text
    assert rita.json()["unit"]["name"] == "Store B"
    unknown = await _endorse(client, world, "aku", iid, unit_id=str(world.units["p_branch"].id))
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_unit")


async def test_someone_homed_above_the_stores_reads_only_their_own_units_posts(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    south = world.units["south"]
    for name in ("sini", "saku"):
        await add_person(session, world.kauppa, name, south, [(Role.FRONTLINE, south)])
    await session.commit()
    world.people.update(world.kauppa.people)

    in_store = await post_insight(client, world, "anna", text="Kassalla ei ole kuittirullia.")
    at_region = await post_insight(client, world, "sini", text="Aluevarasto on sekaisin.")
    listed = await client.get(f"{API}/insights", headers=await world.auth("saku"))
    assert [i["id"] for i in listed.json()["items"]] == [at_region["id"]]
    hidden = await client.get(f"{API}/insights/{in_store['id']}", headers=await world.auth("saku"))
    assert hidden.status_code == 404
    assert (await _endorse(client, world, "saku", at_region["id"])).status_code == 201
