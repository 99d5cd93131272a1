"""The core loop over REST: post → inbox → acknowledge → comment → action → resolve → tell."""

import httpx

from tests.factories import World


async def test_post_routes_to_store_manager_and_shows_in_inbox(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"kind": "observation", "text": "Asiakkaat eivät löydä itsepalvelukassaa."}
    posted = await client.post("/api/v1/insights", json=body, headers=await world.auth("anna"))
    assert posted.status_code == 201, posted.text
    insight = posted.json()
    assert insight["status"] == "new"
    assert insight["owner_unit"]["id"] == str(world.units["store_a"].id)
    assert insight["language"] == "fi"

    inbox = await client.get("/api/v1/inbox", headers=await world.auth("mia"))
    assert inbox.status_code == 200, inbox.text
    assert [i["id"] for i in inbox.json()["items"]] == [insight["id"]]

    other = await client.get("/api/v1/inbox", headers=await world.auth("max"))
    assert other.json()["items"] == []
