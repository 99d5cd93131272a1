"""Similar insights: on posting, on an insight a manager opens, and for a draft; the same
answers from pgvector's index and from exact search."""

from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight
from app.org.service import load_principal
from app.platform import clock
from app.themes import embedding, vectors
from app.themes.models import EmbeddingBacklog, InsightEmbedding
from tests.factories import World

API = "/api/v1"

FITTING_FI = "Sovituskoppien jono on iltaisin tosi pitkä ja asiakkaat lähtee pois ostamatta."
FITTING_EN = (
    "The fitting room queue is really long in the evenings and customers leave without buying."
)
TERMINAL_FI = (
    "Kassan 2 korttimaksupääte hylkää lähimaksut taas, asiakkaat joutuu näppäilemään PIN:n."
)
PARKING_EN = "The lift from the parking hall is broken again, prams and wheelchairs can't get in."


async def _post(
    client: httpx.AsyncClient, world: World, who: str, body: str, **params: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": body},
        params=params,
        headers=await world.auth(who),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_posting_lists_a_colleagues_insight_in_the_other_language(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await _post(client, world, "anna", FITTING_FI)
    assert first["similar"]["items"] == []
    await _post(client, world, "anna", TERMINAL_FI)

    # Aku works in Anna's store: her named insights are his to back.
    posted = await _post(client, world, "aku", FITTING_EN)
    items = posted["similar"]["items"]
    assert items, posted["similar"]
    assert items[0]["insight"]["id"] == first["id"]
    assert items[0]["similarity"] > 0.3
    assert posted["similar"]["search"] in {"pgvector", "exact"}
    # The unrelated one is not offered above the related one.
    assert items[0]["insight"]["text"] == FITTING_FI

    # Ben works in another store: Anna's insights are out of his sight, so not offered.
    elsewhere = await _post(client, world, "ben", FITTING_EN + " Store B too.")
    assert [i["insight"]["id"] for i in elsewhere["similar"]["items"]] == []

    # Asked not to, posting skips the search.
    quiet = await _post(client, world, "aku", PARKING_EN, similar="false")
    assert quiet["similar"] is None


async def test_a_manager_sees_similar_insights_across_stores_and_languages(
    client: httpx.AsyncClient, world: World
) -> None:
    in_a = await _post(client, world, "anna", FITTING_FI)
    in_b = await _post(client, world, "ben", FITTING_EN)
    await _post(client, world, "ben", PARKING_EN)

    as_rita = await client.get(
        f"{API}/insights/{in_a['id']}/similar", headers=await world.auth("rita")
    )
    assert as_rita.status_code == 200, as_rita.text
    found = as_rita.json()["items"]
    assert found[0]["insight"]["id"] == in_b["id"]
    settings = await client.get(f"{API}/themes/settings", headers=await world.auth("rita"))
    threshold = settings.json()["likely_duplicate_similarity"]
    for item in found:
        assert item["likely_duplicate"] == (item["similarity"] >= threshold)
    # Mia manages store A only: store B's insight is not hers to see.
    as_mia = await client.get(
        f"{API}/insights/{in_a['id']}/similar", headers=await world.auth("mia")
    )
    assert [i["insight"]["id"] for i in as_mia.json()["items"]] == []
    # Someone who cannot read the insight gets a 404, as for the insight itself.
    as_cecilia = await client.get(
        f"{API}/insights/{in_a['id']}/similar", headers=await world.auth("cecilia")
    )
    assert as_cecilia.status_code == 404


async def test_a_draft_finds_open_insights_before_posting(
    client: httpx.AsyncClient, world: World
) -> None:
    posted = await _post(client, world, "anna", FITTING_FI)
    draft = await client.post(
        f"{API}/insights/similar",
        json={"text": "Sovituskoppien jonot on illalla pitkiä, asiakkaat lähtee pois.", "limit": 3},
        headers=await world.auth("aku"),
    )
    assert draft.status_code == 200, draft.text
    assert draft.json()["items"][0]["insight"]["id"] == posted["id"]
    blank = await client.post(
        f"{API}/insights/similar", json={"text": "  "}, headers=await world.auth("aku")
    )
    assert blank.status_code == 422


async def test_an_insight_written_without_the_api_is_embedded_from_the_backlog(
    session: AsyncSession, world: World
) -> None:
    """The trigger queues every new text, whichever way it was written; the job embeds it
    and takes it off the backlog, and a text that retention removed loses its vector."""
    from app.insights.posting import create_insight
    from app.insights.schemas import InsightCreate

    actor = await load_principal(session, world.people["anna"].subject)
    assert actor is not None
    made, _ = await create_insight(
        session,
        actor,
        InsightCreate(kind="observation", text=FITTING_FI),  # type: ignore[arg-type]
    )
    queued = (
        select(func.count())
        .select_from(EmbeddingBacklog)
        .where(EmbeddingBacklog.insight_id == made.id)
    )
    assert await session.scalar(queued) == 1
    embedder = world.runtime.embedder
    assert embedder is not None
    report = await embedding.embed_backlog(session, embedder, now=clock.now(), limit=1000)
    assert report.embedded >= 1
    assert await session.scalar(queued) == 0
    stored = await vectors.vector_of(session, actor.org_id, made.id, embedder.name)
    assert stored is not None and stored.shape == (embedder.dimensions,)
    assert abs(float(np.linalg.norm(stored)) - 1.0) < 1e-3

    await session.execute(
        update(Insight)
        .where(Insight.org_id == actor.org_id, Insight.id == made.id)
        .values(text="", redacted_at=clock.now())
    )
    assert await session.scalar(queued) == 1
    await embedding.embed_backlog(session, embedder, now=clock.now(), limit=1000)
    gone = (
        select(func.count())
        .select_from(InsightEmbedding)
        .where(InsightEmbedding.insight_id == made.id)
    )
    assert await session.scalar(gone) == 0


# With a reach of 0 every search walks the HNSW index (where there is one); with the
# default, this small world's candidates are all ranked.
@pytest.mark.parametrize("small_reach", [0, vectors.SMALL_REACH])
async def test_index_and_exact_search_give_the_same_answers(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    small_reach: int,
) -> None:
    monkeypatch.setattr(vectors, "SMALL_REACH", small_reach)
    texts = [FITTING_FI, FITTING_EN, TERMINAL_FI, PARKING_EN, "Hissi ei toimi taas."]
    for i, body in enumerate(texts):
        await _post(client, world, "rita" if i % 2 else "mia", body)
    actor = await load_principal(session, world.people["rita"].subject)
    assert actor is not None
    embedder = world.runtime.embedder
    assert embedder is not None
    query = (await embedding.embed_texts(embedder, ["fitting rooms queue evening"], ["en"]))[0]
    method = await vectors.search_method(session)
    has_index = await session.scalar(
        text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_insight_embeddings_vector'")
    )
    assert (method is vectors.SearchMethod.PGVECTOR) == bool(has_index)
    found = await vectors.nearest(
        session, actor, query, model=embedder.name, limit=4, min_similarity=-1.0
    )
    conditions, params = vectors._candidates(actor, embedder.name, open_only=False, exclude=())
    exact = await vectors._nearest_exact(session, query, conditions, params, 4)
    exact_sorted = sorted(exact, key=lambda n: (-round(n.similarity, 6), n.insight_id))[:4]
    assert [n.insight_id for n in found] == [n.insight_id for n in exact_sorted]
    for a, b in zip(found, exact_sorted, strict=True):
        assert abs(a.similarity - b.similarity) < 1e-4
