"""Turning the backlog of new and changed insight texts into vectors, and placing each in the
theme it is nearest to.

The embedder runs in a worker thread (`anyio.to_thread`), one batch at a time per process:
its engine already uses every core, and the event loop stays free for requests.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import anyio
import numpy as np
from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import rows
from app.insights.models import InsightStatus
from app.platform.db import table
from app.themes import centring, placement, theme_routing, vectors
from app.themes.embedder import Embedder
from app.themes.models import EmbeddingBacklog, InsightEmbedding

_backlog = table(EmbeddingBacklog)
_b = _backlog.c
_embeddings = table(InsightEmbedding)
_e = _embeddings.c

# Texts per transaction: about a second of the embedder's time on two cores.
EMBED_BATCH = 24
# One embedding at a time per process: the engine parallelises inside a call.
_embedder_slot = anyio.CapacityLimiter(1)

# The oldest queued insights, taken by one worker only (others skip them).
_TAKE = (
    select(_b.org_id, _b.insight_id)
    .order_by(_b.queued_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_TEXTS = select(
    rows.ic.org_id,
    rows.ic.id,
    rows.ic.text,
    rows.ic.language,
    rows.ic.status,
    rows.ic.redacted_at,
).where(tuple_(rows.ic.org_id, rows.ic.id).in_(bindparam("keys", expanding=True)))


async def embed_texts(
    embedder: Embedder, texts: list[str], languages: Sequence[str | None]
) -> np.ndarray:
    """The stored form of `texts`' vectors: computed off the event loop, then centred on
    their languages' offsets (`centring`)."""
    async with _embedder_slot:
        raw = await anyio.to_thread.run_sync(embedder.embed, texts)
    return centring.centred(raw, languages, embedder.name)


async def embed_if_free(
    embedder: Embedder, texts: list[str], languages: Sequence[str | None]
) -> np.ndarray | None:
    """Like `embed_texts`, but None at once when this process is already embedding: a
    request does not queue behind others for a nicety (the job embeds it seconds later)."""
    try:
        _embedder_slot.acquire_nowait()
    except anyio.WouldBlock:
        return None
    try:
        raw = await anyio.to_thread.run_sync(embedder.embed, texts)
    finally:
        _embedder_slot.release()
    return centring.centred(raw, languages, embedder.name)


@dataclass(frozen=True, slots=True)
class EmbeddingReport:
    embedded: int
    # Texts removed by retention (or empty): their vectors are dropped, not made.
    dropped: int
    placed: int


async def embed_backlog(
    session: AsyncSession, embedder: Embedder, *, now: datetime, limit: int = EMBED_BATCH
) -> EmbeddingReport:
    """Embed up to `limit` queued insights, across organisations, and place each in its
    nearest theme. The batch leaves the backlog in the same transaction that stores its
    vectors, so a crash loses nothing and a commit embeds nothing twice."""
    keys = [(r.org_id, r.insight_id) for r in await session.execute(_TAKE, {"limit": limit})]
    if not keys:
        return EmbeddingReport(embedded=0, dropped=0, placed=0)
    found = (await session.execute(_TEXTS, {"keys": keys})).all()
    live = [
        r
        for r in found
        if r.redacted_at is None and r.text and r.text.strip() and r.status != InsightStatus.MERGED
    ]
    # A text retention removed takes its vector along; the insight keeps its theme.
    gone = [(r.org_id, r.id) for r in found if r not in live]
    if gone:
        await session.execute(delete(_embeddings).where(tuple_(_e.org_id, _e.insight_id).in_(gone)))
    placed = 0
    if live:
        matrix = await embed_texts(embedder, [r.text for r in live], [r.language for r in live])
        org_ids = [r.org_id for r in live]
        insight_ids = [r.id for r in live]
        await vectors.store(session, org_ids, insight_ids, matrix, model=embedder.name, now=now)
        found_themes = await placement.place_arrivals(
            session, org_ids, insight_ids, matrix, now=now
        )
        await theme_routing.route_by_theme(session, found_themes)
        placed = len(found_themes)
    await session.execute(delete(_backlog).where(tuple_(_b.org_id, _b.insight_id).in_(keys)))
    return EmbeddingReport(embedded=len(live), dropped=len(gone), placed=placed)


async def embed_now(
    session: AsyncSession,
    embedder: Embedder,
    org_id: uuid.UUID,
    insight_id: uuid.UUID,
    text: str,
    language: str | None,
    *,
    now: datetime,
) -> tuple[np.ndarray, bool] | None:
    """Embed one insight inside the request that posted it, so that its answer can list
    similar insights; it leaves the backlog at once. Returns its vector and whether a rule
    naming its theme routed it again; None when the process is busy embedding (under
    load), which leaves it to the job."""
    matrix = await embed_if_free(embedder, [text], [language])
    if matrix is None:
        return None
    await vectors.store(session, [org_id], [insight_id], matrix, model=embedder.name, now=now)
    found_themes = await placement.place_arrivals(session, [org_id], [insight_id], matrix, now=now)
    moved = await theme_routing.route_by_theme(session, found_themes)
    await session.execute(delete(_backlog).where(_b.org_id == org_id, _b.insight_id == insight_id))
    vector: np.ndarray = matrix[0]
    return vector, bool(moved)
