"""Similar insights: what colleagues already reported, whatever language they wrote in.

Staff see the open insights nearest to what they are posting, so that they back one with
"me too" rather than repeat it; a manager opening an insight sees its nearest ones, open or
closed, across units and languages. Either way only insights the caller may read count.
"""

import uuid

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import rows
from app.insights.language import language_of
from app.insights.schemas import InsightOut
from app.org.principal import Principal
from app.platform import clock
from app.platform.errors import NotFound
from app.themes import clustering, embedding, vectors
from app.themes.embedder import Embedder
from app.themes.schemas import SimilarInsight, SimilarInsights

DEFAULT_LIMIT = 5


async def _answer(
    session: AsyncSession,
    actor: Principal,
    vector: np.ndarray,
    *,
    model: str,
    limit: int,
    open_only: bool,
    exclude: list[uuid.UUID],
) -> SimilarInsights:
    method = await vectors.search_method(session)
    found = await vectors.nearest(
        session,
        actor,
        vector,
        model=model,
        limit=limit,
        min_similarity=clustering.SHOW_SIMILARITY,
        open_only=open_only,
        exclude=exclude,
    )
    by_id = {
        r.id: r for r in await rows.visible_rows(session, actor, [n.insight_id for n in found])
    }
    items = [
        SimilarInsight(
            insight=InsightOut(**rows.out_fields(by_id[n.insight_id], actor)),
            similarity=round(n.similarity, 4),
            likely_duplicate=n.similarity >= clustering.LIKELY_DUPLICATE_SIMILARITY,
        )
        for n in found
        if n.insight_id in by_id
    ]
    return SimilarInsights(items=items, search=method.value)


async def similar_to_insight(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    *,
    model: str,
    limit: int = DEFAULT_LIMIT,
    open_only: bool = False,
) -> SimilarInsights:
    """The insights nearest to one the caller may read (404 otherwise). While it waits for
    its vector the answer is empty and says `pending`."""
    found = await rows.visible_rows(session, actor, [insight_id])
    if not found:
        raise NotFound("No such insight.")
    vector = await vectors.vector_of(session, actor.org_id, insight_id, model)
    if vector is None:
        method = await vectors.search_method(session)
        return SimilarInsights(items=[], search=method.value, pending=True)
    return await _answer(
        session,
        actor,
        vector,
        model=model,
        limit=limit,
        open_only=open_only,
        exclude=[insight_id],
    )


async def similar_to_text(
    session: AsyncSession,
    actor: Principal,
    text: str,
    embedder: Embedder,
    *,
    limit: int = DEFAULT_LIMIT,
) -> SimilarInsights:
    """The open insights nearest to a text about to be posted."""
    vector = (await embedding.embed_texts(embedder, [text], [await language_of(text)]))[0]
    return await _answer(
        session, actor, vector, model=embedder.name, limit=limit, open_only=True, exclude=[]
    )


async def similar_on_posting(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    text: str,
    language: str | None,
    embedder: Embedder,
    *,
    limit: int = DEFAULT_LIMIT,
) -> tuple[SimilarInsights, InsightOut | None]:
    """Embed a just-posted insight in its own request, place it in a theme, and list the
    open insights nearest to it. When a rule naming its theme routed it again, the insight
    as it is now comes back too. Under load (the process already embedding) the answer is
    empty and `pending`: the job embeds the insight seconds later."""
    embedded = await embedding.embed_now(
        session, embedder, actor.org_id, insight_id, text, language, now=clock.now()
    )
    if embedded is None:
        method = await vectors.search_method(session)
        return SimilarInsights(items=[], search=method.value, pending=True), None
    vector, moved = embedded
    found = await _answer(
        session,
        actor,
        vector,
        model=embedder.name,
        limit=limit,
        open_only=True,
        exclude=[insight_id],
    )
    if not moved:
        return found, None
    row = await rows.visible_row(session, actor, insight_id)
    return found, InsightOut(**rows.out_fields(row, actor))
