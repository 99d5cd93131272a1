"""Offline sync batches: in order, item by item, safe to send again."""

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Comment, Endorsement, Insight
from app.platform.db import table
from tests.factories import World

API = "/api/v1"


async def _counts(session: AsyncSession, org_id: uuid.UUID) -> tuple[int, int, int]:
    counts = []
    for model in (Insight, Comment, Endorsement):
        t = table(model)
        counts.append(
            int(
                (
                    await session.execute(
                        select(func.count()).select_from(t).where(t.c.org_id == org_id)
                    )
                ).scalar_one()
            )
        )
    return counts[0], counts[1], counts[2]


def _insight(n: int) -> dict[str, Any]:
    return {
        "type": "insight",
        "id": str(uuid.uuid4()),
        "kind": "observation",
        "text": f"Asiakas kysyi lahjakorttia kassalla numero {n}.",
    }


async def _sync(
    client: httpx.AsyncClient, world: World, who: str, items: list[Any]
) -> httpx.Response:
    return await client.post(
        f"{API}/sync/batch", json={"items": items}, headers=await world.auth(who)
    )


async def test_a_full_queue_with_five_bad_items_stores_the_rest_and_resends_safely(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    # Aku's posts (same store), for Anna to back ("me too") from her queue.
    bens = [_insight(n) for n in range(95)]
    assert (await _sync(client, world, "aku", bens)).json()["created"] == 95
    before = await _counts(session, world.kauppa.id)
    others = await client.post(
        f"{API}/insights",
        json={"kind": "idea", "text": "Pankin oma havainto asiakaspalvelusta."},
        headers=await world.auth("olli"),
    )

    own = [_insight(n) for n in range(300)]
    items: list[Any] = list(own)
    items += [
        {"type": "comment", "insight_id": own[n]["id"], "id": str(uuid.uuid4()), "body": "Lisää."}
        for n in range(100)
    ]
    items += [{"type": "endorsement", "insight_id": b["id"]} for b in bens]
    bad = {
        13: {"type": "insight", "id": str(uuid.uuid4()), "kind": "observation"},
        150: {"type": "comment", "insight_id": own[0]["id"], "body": "Ilman tunnistetta."},
        222: {"type": "selfie", "id": str(uuid.uuid4())},
        333: {
            "type": "comment",
            "insight_id": others.json()["id"],
            "id": str(uuid.uuid4()),
            "body": "Toisen organisaation havaintoon.",
        },
        444: {"type": "endorsement", "insight_id": own[1]["id"]},
    }
    for index, item in bad.items():
        items.insert(index, item)
    assert len(items) == 500

    first = await _sync(client, world, "anna", items)
    assert first.status_code == 200, first.text
    answer = first.json()
    errors = {r["error"]["code"] for r in answer["results"] if r["error"]}
    assert (answer["created"], answer["replayed"], answer["failed"]) == (495, 0, 5), errors
    assert [r["index"] for r in answer["results"]] == list(range(500))
    failures = {r["index"]: r for r in answer["results"] if r["outcome"] == "error"}
    assert sorted(failures) == sorted(bad)
    assert failures[13]["error"]["code"] == "validation_error"
    assert failures[13]["error"]["errors"][0]["location"] == ["text"]
    assert failures[150]["error"]["errors"][0]["location"] == ["id"]
    assert failures[222]["error"]["errors"][0]["location"] == ["type"]
    # Another organisation's insight is exactly as unknown as a missing one.
    assert failures[333]["error"]["code"] == "not_found"
    assert failures[333]["error"]["status"] == 404
    assert failures[444]["error"]["code"] == "own_insight"
    after = await _counts(session, world.kauppa.id)
    assert after == (before[0] + 300, before[1] + 100, before[2] + 95)

    again = (await _sync(client, world, "anna", items)).json()
    assert (again["created"], again["replayed"], again["failed"]) == (0, 495, 5)
    assert [r["id"] for r in again["results"]] == [r["id"] for r in answer["results"]]
    assert await _counts(session, world.kauppa.id) == after


async def test_items_may_refer_to_insights_earlier_in_the_batch(
    client: httpx.AsyncClient, world: World
) -> None:
    post = _insight(1)
    comment_id = str(uuid.uuid4())
    items = [post, {"type": "comment", "insight_id": post["id"], "id": comment_id, "body": "Kuva"}]
    answer = (await _sync(client, world, "anna", items)).json()
    assert [r["outcome"] for r in answer["results"]] == ["created", "created"]
    thread = await client.get(
        f"{API}/insights/{post['id']}/comments", headers=await world.auth("anna")
    )
    assert [c["id"] for c in thread.json()] == [comment_id]


async def test_a_failed_item_leaves_nothing_behind(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    reused = _insight(1)
    other = {**reused, "text": "Sama tunniste, eri havainto kuin ennen."}
    answer = (await _sync(client, world, "anna", [reused, other])).json()
    assert [r["outcome"] for r in answer["results"]] == ["created", "error"]
    assert answer["results"][1]["error"]["code"] == "insight_id_conflict"
    assert (await _counts(session, world.kauppa.id))[0] == 1


async def test_batch_size_is_bounded(client: httpx.AsyncClient, world: World) -> None:
    too_many = await _sync(client, world, "anna", [_insight(n) for n in range(501)])
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "batch_too_large"
    assert too_many.json()["max_items"] == 500
    empty = await _sync(client, world, "anna", [])
    assert empty.json()["code"] == "empty_batch"
