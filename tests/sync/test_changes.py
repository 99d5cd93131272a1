"""The "changes since" feed: own insights and notifications, paged, never missing a commit."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.notify.models import Notification, NotificationKind
from tests.factories import Live, World
from tests.gql.client import operation

API = "/api/v1"


async def _changes(
    client: httpx.AsyncClient, world: World, who: str, cursor: str | None = None, **params: Any
) -> dict[str, Any]:
    query = {**params, **({"cursor": cursor} if cursor else {})}
    response = await client.get(f"{API}/me/changes", params=query, headers=await world.auth(who))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _post(client: httpx.AsyncClient, world: World, who: str, text: str) -> str:
    response = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": text},
        headers=await world.auth(who),
    )
    assert response.status_code == 201, response.text
    insight_id: str = response.json()["id"]
    return insight_id


async def test_the_feed_follows_own_insights_and_notifications(live: Live) -> None:
    world, _, client = live
    first = await _post(client, world, "anna", "Kassajono on pitkä aamuisin.")
    second = await _post(client, world, "anna", "Maitohylly on tyhjä iltaisin.")
    await _post(client, world, "aku", "Toisen havainto samasta kaupasta.")

    start = await _changes(client, world, "anna")
    assert {i["id"] for i in start["insights"]} == {first, second}
    assert start["notifications"] == []
    assert start["has_more"] is False

    nothing = await _changes(client, world, "anna", start["next_cursor"])
    assert nothing["insights"] == nothing["notifications"] == []
    assert nothing["next_cursor"] == start["next_cursor"]

    ack = await client.post(f"{API}/insights/{first}/acknowledge", headers=await world.auth("mia"))
    assert ack.status_code == 200, ack.text
    since = await _changes(client, world, "anna", start["next_cursor"])
    assert [i["id"] for i in since["insights"]] == [first]
    assert since["insights"][0]["status"] == "acknowledged"
    assert [n["kind"] for n in since["notifications"]] == ["insight_acknowledged"]
    assert since["notifications"][0]["title"] == "Havaintosi on otettu käsittelyyn"

    # The manager's feed holds none of Anna's insights: it is for one's own posts.
    assert (await _changes(client, world, "mia"))["insights"] == []


async def test_pages_resume_from_the_cursor(live: Live) -> None:
    world, _, client = live
    posted = [
        await _post(client, world, "anna", f"Havainto numero {n} kaupasta.") for n in range(3)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await _changes(client, world, "anna", cursor, limit=1)
        seen += [i["id"] for i in page["insights"]]
        cursor = page["next_cursor"]
        pages += 1
        if not page["has_more"]:
            break
    assert sorted(set(seen)) == sorted(posted)
    assert pages >= 3


async def _note(session: AsyncSession, world: World, text: str) -> uuid.UUID:
    note_id = uuid.uuid4()
    await session.execute(
        insert(Notification).values(
            org_id=world.kauppa.id,
            id=note_id,
            person_id=world.people["anna"].id,
            kind=NotificationKind.COMMENT_ADDED,
            data={"comment": text},
            created_at=datetime.now(UTC),
        )
    )
    return note_id


async def test_a_late_commit_is_not_skipped(live: Live) -> None:
    world, sessions, client = live
    start = await _changes(client, world, "anna")
    async with sessions() as early, sessions() as late:
        # The early transaction writes first but commits last.
        slow = await _note(early, world, "hidas")
        fast = await _note(late, world, "nopea")
        await late.commit()
        while_open = await _changes(client, world, "anna", start["next_cursor"])
        # The later commit waits until nothing older can still appear before it.
        assert while_open["notifications"] == []
        assert while_open["next_cursor"] == start["next_cursor"]
        await early.commit()
    after = await _changes(client, world, "anna", start["next_cursor"])
    assert [n["id"] for n in after["notifications"]] == [str(slow), str(fast)]


async def test_a_bad_cursor_is_refused(live: Live) -> None:
    world, _, client = live
    response = await client.get(
        f"{API}/me/changes", params={"cursor": "not-a-cursor"}, headers=await world.auth("anna")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


async def test_the_feed_over_graphql(live: Live) -> None:
    world, _, client = live
    insight_id = await _post(client, world, "anna", "Kassajono on pitkä aamuisin.")
    ack = await client.post(
        f"{API}/insights/{insight_id}/acknowledge", headers=await world.auth("mia")
    )
    assert ack.status_code == 200
    response = await client.post(
        "/graphql",
        json={"query": operation("MyChanges"), "variables": {"first": 10}},
        headers=await world.auth("anna"),
    )
    feed = response.json()["data"]["myChanges"]
    assert [i["status"] for i in feed["insights"]] == ["ACKNOWLEDGED"]
    assert [n["kind"] for n in feed["notifications"]] == ["INSIGHT_ACKNOWLEDGED"]
    rest = await _changes(client, world, "anna")
    assert feed["nextCursor"] == rest["next_cursor"]
    again = await client.post(
        "/graphql",
        json={"query": operation("MyChanges"), "variables": {"after": feed["nextCursor"]}},
        headers=await world.auth("anna"),
    )
    assert again.json()["data"]["myChanges"]["insights"] == []
