"""The notification feed: per person, in their language, read and unread, paginated."""

import httpx

from tests.factories import World

API = "/api/v1"


async def test_feed_read_unread_and_pages(client: httpx.AsyncClient, world: World) -> None:
    anna, max_ = await world.auth("anna"), await world.auth("max")
    for n in range(3):
        posted = await client.post(
            f"{API}/insights", json={"kind": "idea", "text": f"Idea numero {n}"}, headers=anna
        )
        assert posted.status_code == 201
    # Ben posts in store B: Max (English) is told, in English.
    await client.post(
        f"{API}/insights",
        json={"kind": "praise", "text": "Colleague Liisa helped a customer brilliantly."},
        headers=await world.auth("ben"),
    )
    max_feed = (await client.get(f"{API}/notifications", headers=max_)).json()["items"]
    assert [n["title"] for n in max_feed] == ["New insight to handle"]

    mia = await world.auth("mia")
    first = (await client.get(f"{API}/notifications", params={"limit": 2}, headers=mia)).json()
    assert len(first["items"]) == 2
    assert first["items"][0]["title"] == "Uusi havainto käsiteltäväksi"
    second = (
        await client.get(
            f"{API}/notifications", params={"limit": 2, "cursor": first["next_cursor"]}, headers=mia
        )
    ).json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert second["items"][0]["body"] == "Idea numero 0"

    read = await client.post(f"{API}/notifications/{first['items'][0]['id']}/read", headers=mia)
    assert read.json()["read_at"] is not None
    unread = (await client.get(f"{API}/notifications", params={"unread": True}, headers=mia)).json()
    assert len(unread["items"]) == 2

    marked = await client.post(f"{API}/notifications/read-all", headers=mia)
    assert marked.json() == {"marked_read": 2}
    unread = (await client.get(f"{API}/notifications", params={"unread": True}, headers=mia)).json()
    assert unread["items"] == []
