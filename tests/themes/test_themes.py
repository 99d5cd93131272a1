"""Themes found by re-clustering, curated by managers, and those decisions surviving the
next re-clustering; who may read and change them."""

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.gql.ids import global_id, parse_global_id
from app.platform import clock
from app.themes import catchup, runs
from tests.factories import World

API = "/api/v1"

# Three topics, each reported in Finnish and English across stores A and B.
TOPICS: dict[str, list[str]] = {
    "fitting": [
        "Sovituskoppien jono on iltaisin tosi pitkä ja asiakkaat lähtee pois ostamatta.",
        "The fitting room queue is really long in the evenings, customers leave without buying.",
        "Sovituskopeille ei riitä henkilökuntaa illalla, jono kasvaa nopeasti.",
        "Evening fitting room line again 15 people, some gave up and left the clothes.",
        "Asiakas valitti että sovituskoppiin joutui odottamaan yli 20 minuuttia.",
    ],
    "terminal": [
        "Kassan 2 korttimaksupääte hylkää lähimaksut taas, asiakkaat joutuu näppäilemään PIN:n.",
        "Card terminal at till 2 keeps rejecting contactless payments, people must type the PIN.",
        "Maksupääte kaatui kesken ruuhkan ja kortilla maksaminen ei onnistunut.",
        "The payment terminal froze during the rush and card payments failed for ten minutes.",
        "Lähimaksu ei mene läpi kassalla 3, asiakkaat ärsyyntyy.",
    ],
    "lift": [
        "Parkkihallin hissi on taas rikki, lastenvaunujen ja pyörätuolien kanssa ei pääse sisään.",
        "The lift from the parking hall is broken again, prams and wheelchairs cannot get in.",
        "Hissi parkkihallista ei toimi, iäkäs asiakas joutui kiertämään ulkokautta.",
        "Parking garage elevator out of order for the third day, customers with prams complain.",
        "Asiakas pyörätuolissa ei päässyt myymälään kun hissi oli epäkunnossa.",
    ],
}


async def _post(client: httpx.AsyncClient, world: World, who: str, body: str) -> str:
    response = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": body},
        params={"similar": "false"},
        headers=await world.auth(who),
    )
    assert response.status_code == 201, response.text
    insight_id: str = response.json()["id"]
    return insight_id


async def _post_topics(client: httpx.AsyncClient, world: World) -> dict[str, list[str]]:
    posted: dict[str, list[str]] = {}
    for topic, texts in TOPICS.items():
        posted[topic] = [
            await _post(client, world, "anna" if i % 2 else "ben", body)
            for i, body in enumerate(texts)
        ]
    return posted


async def _quiet(step: str, done: int, total: int) -> None:
    return None


async def _recluster(world: World, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    embedder = world.runtime.embedder
    assert embedder is not None
    await catchup.embed_all(sessions, embedder, _quiet)
    async with sessions() as session:
        await session.execute(
            runs._runs.insert().values(
                org_id=world.kauppa.id,
                id=uuid.uuid4(),
                state="queued",
                created_at=clock.now(),
            )
        )
        await session.commit()
    finished = await runs.run_next(sessions, model=embedder.name)
    assert finished is not None and finished.state == "finished", finished
    assert finished.result is not None
    return finished.result


async def _themes(client: httpx.AsyncClient, world: World, who: str = "rita") -> list[Any]:
    response = await client.get(f"{API}/themes", headers=await world.auth(who))
    assert response.status_code == 200, response.text
    listed: list[Any] = response.json()
    return listed


async def _theme_of(client: httpx.AsyncClient, world: World, insight_id: str) -> str | None:
    query = "query($id: ID!) { node(id: $id) { ... on Insight { theme { id } } } }"
    answer = await client.post(
        "/graphql",
        json={"query": query, "variables": {"id": global_id("Insight", uuid.UUID(insight_id))}},
        headers=await world.auth("rita"),
    )
    assert "errors" not in answer.json(), answer.json()
    theme = answer.json()["data"]["node"]["theme"]
    return None if theme is None else str(parse_global_id(theme["id"])[1])


async def test_reclustering_finds_the_topics_across_languages(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    posted = await _post_topics(client, world)
    result = await _recluster(world, sessions)
    assert result["insights"] == 15
    themes = await _themes(client, world)
    by_theme: dict[str, set[str | None]] = {}
    assert len(themes) >= 3, themes
    for theme in themes:
        assert theme["label_fi"] and theme["label_en"]
        assert theme["status"] == "active"
    # Each topic's insights, Finnish and English alike, share one theme (an insight the
    # clustering leaves alone waits for the next run), and the topics do not share one.
    themed = 0
    for topic, ids in posted.items():
        found = [await _theme_of(client, world, i) for i in ids]
        homes = set(found)
        themed += sum(1 for home in found if home is not None)
        by_theme[topic] = homes - {None}
        assert len(by_theme[topic]) == 1, (topic, homes)
    assert themed >= 10
    assert len({next(iter(h)) for h in by_theme.values()}) == 3


async def _theme_id(client: httpx.AsyncClient, world: World, insight_id: str) -> str:
    found = await _theme_of(client, world, insight_id)
    assert found is not None
    return found


async def test_managers_decisions_survive_reclustering(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    posted = await _post_topics(client, world)
    await _recluster(world, sessions)
    rita = await world.auth("rita")
    fitting = await _theme_id(client, world, posted["fitting"][0])
    terminal = await _theme_id(client, world, posted["terminal"][0])
    lift = await _theme_id(client, world, posted["lift"][0])

    # Rename: the manager's names replace the labels.
    theme = (await client.get(f"{API}/themes/{fitting}", headers=rita)).json()
    renamed = await client.patch(
        f"{API}/themes/{fitting}",
        json={"name_fi": "Sovituskoppijonot", "name_en": "Fitting room queues"},
        headers={**rita, "If-Match": f'"{theme["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name_en"] == "Fitting room queues"
    assert renamed.json()["named_by_manager"] is True
    stale = await client.patch(
        f"{API}/themes/{fitting}",
        json={"name_fi": "X", "name_en": "Y"},
        headers={**rita, "If-Match": f'"{theme["version"]}"'},
    )
    assert stale.status_code == 412

    # Merge: card terminals into the lift theme (a manager's call, right or wrong).
    sizes = {t["id"]: t["insights"] for t in await _themes(client, world)}
    merged = await client.post(
        f"{API}/themes/{terminal}/merge", json={"into_theme_id": lift}, headers=rita
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == lift
    assert merged.json()["insights"] == sizes[terminal] + sizes[lift]
    terminal_members = [i for i in posted["terminal"] if await _theme_of(client, world, i) == lift]
    assert len(terminal_members) >= 3

    # Split: two of the lift reports form a theme of their own.
    split_off = [i for i in posted["lift"] if await _theme_of(client, world, i) == lift][:2]
    split = await client.post(
        f"{API}/themes/{lift}/split",
        json={
            "insight_ids": split_off,
            "name_en": "Car park lift",
            "name_fi": "Parkkihissi",
        },
        headers=rita,
    )
    assert split.status_code == 201, split.text
    new_theme = split.json()["new_theme"]["id"]
    assert split.json()["new_theme"]["insights"] == 2

    # Move: one fitting-room report into the split-off theme, by hand.
    moved_insight = posted["fitting"][4]
    moved = await client.put(
        f"{API}/insights/{moved_insight}/theme", json={"theme_id": new_theme}, headers=rita
    )
    assert moved.status_code == 200, moved.text

    await _recluster(world, sessions)

    after = {t["id"]: t for t in await _themes(client, world)}
    after[terminal] = (await client.get(f"{API}/themes/{terminal}", headers=rita)).json()
    assert after[fitting]["name_en"] == "Fitting room queues"
    assert after[fitting]["status"] == "active"
    assert after[terminal]["status"] == "merged"
    assert after[terminal]["merged_into_id"] == lift
    for insight_id in terminal_members:
        assert await _theme_of(client, world, insight_id) == lift
    for insight_id in split_off:
        assert await _theme_of(client, world, insight_id) == new_theme
    assert await _theme_of(client, world, moved_insight) == new_theme
    assert after[new_theme]["name_en"] == "Car park lift"
    decisions = await client.get(f"{API}/themes/{lift}/decisions", headers=rita)
    assert [d["kind"] for d in decisions.json()] == ["split", "merged"]


async def test_who_may_read_and_change_themes(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    posted = await _post_topics(client, world)
    await _recluster(world, sessions)
    theme_id = await _theme_id(client, world, posted["lift"][0])
    names = {"name_fi": "Hissi", "name_en": "Lift"}

    frontline = await client.get(f"{API}/themes", headers=await world.auth("anna"))
    assert frontline.status_code == 403
    assert frontline.json()["code"] == "not_a_reader"
    as_hr = await client.get(f"{API}/themes/{theme_id}", headers=await world.auth("hanna"))
    assert as_hr.status_code == 200
    hr_rename = await client.patch(
        f"{API}/themes/{theme_id}", json=names, headers=await world.auth("hanna")
    )
    assert hr_rename.status_code == 403
    # Nils manages the north region, where none of these insights were posted.
    assert await _themes(client, world, "nils") == []
    as_nils = await client.get(f"{API}/themes/{theme_id}", headers=await world.auth("nils"))
    assert as_nils.status_code == 404
    other_org = await client.get(f"{API}/themes/{theme_id}", headers=await world.auth("oona"))
    assert other_org.status_code == 404
    assert other_org.json()["code"] == "not_found"

    started = await client.post(f"{API}/themes/runs", headers=await world.auth("rita"))
    assert started.status_code == 202, started.text
    again = await client.post(f"{API}/themes/runs", headers=await world.auth("mia"))
    assert again.status_code == 200
    assert again.json()["id"] == started.json()["id"]
    listed = await client.get(f"{API}/themes/runs", headers=await world.auth("hanna"))
    assert listed.json()[0]["state"] == "queued"
    refused = await client.post(f"{API}/themes/runs", headers=await world.auth("hanna"))
    assert refused.status_code == 403


async def test_a_rule_naming_a_theme_routes_an_insight_that_joins_it(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    posted = await _post_topics(client, world)
    await _recluster(world, sessions)
    lift = await _theme_id(client, world, posted["lift"][1])
    aaro = await world.auth("aaro")
    rule = await client.post(
        f"{API}/routing-rules",
        json={
            "name": "Hissit kiinteistöhuollolle",
            "match": {"theme_id": lift},
            "target": {"unit_id": str(world.units["north"].id)},
            "ack_hours": 4,
            "respond_hours": 24,
            "position": 0,
        },
        headers=aaro,
    )
    assert rule.status_code == 201, rule.text
    assert rule.json()["match"]["theme_id"] == lift
    unknown = await client.post(
        f"{API}/routing-rules",
        json={
            "name": "X",
            "match": {"theme_id": str(uuid.uuid4())},
            "ack_hours": 4,
            "respond_hours": 24,
        },
        headers=aaro,
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_theme"

    # Posted by Anna in store A, first routed to her store's manager; it joins the lift theme
    # while being posted, and the rule naming the theme routes it to the north region.
    response = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": TOPICS["lift"][1] + " Taas tänään."},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 201, response.text
    insight = response.json()
    assert insight["owner_unit"]["id"] == str(world.units["north"].id)
    timeline = await client.get(
        f"{API}/insights/{insight['id']}/timeline", headers=await world.auth("anna")
    )
    routed = [e for e in timeline.json() if e["type"] == "routed"]
    assert len(routed) == 2
    assert routed[-1]["data"]["reason"]["matched"] == {"theme": lift}
    # A post that joins no theme keeps the route it got.
    other = await client.post(
        f"{API}/insights",
        json={"kind": "idea", "text": "Kahvinkeitin taukotilassa vuotaa."},
        headers=await world.auth("anna"),
    )
    assert other.json()["owner_unit"]["id"] == str(world.units["store_a"].id)
