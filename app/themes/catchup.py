"""Bringing an organisation's themes up to date at once, outside the task queue: for the
`insight themes` command and the demo, with progress for a person to watch."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select

from app.platform import clock
from app.platform.db import table
from app.themes import embedding, runs
from app.themes.embedder import Embedder
from app.themes.embedding import EmbeddingReport
from app.themes.models import EmbeddingBacklog
from app.themes.reclustering import Outcome, recluster

Progress = Callable[[str, int, int], Awaitable[None]]

_backlog = table(EmbeddingBacklog)


async def _nothing(step: str, done: int, total: int) -> None:
    return None


async def embed_all(
    sessions: Callable[[], Any], embedder: Embedder, progress: Progress = _nothing
) -> EmbeddingReport:
    """Embed the whole backlog, a batch per transaction, so a crash loses at most the batch
    in flight, which the next run takes again."""
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(_backlog)) or 0)
    done = EmbeddingReport(embedded=0, dropped=0, placed=0)
    await progress("embedding", 0, total)
    while True:
        async with sessions() as session, session.begin():
            report = await embedding.embed_backlog(session, embedder, now=clock.now())
        done = EmbeddingReport(
            embedded=done.embedded + report.embedded,
            dropped=done.dropped + report.dropped,
            placed=done.placed + report.placed,
        )
        await progress("embedding", min(done.embedded + done.dropped, total), total)
        if report.embedded + report.dropped < embedding.EMBED_BATCH:
            return done


async def recluster_now(
    sessions: Callable[[], Any], org_id: uuid.UUID, embedder: Embedder, progress: Progress
) -> Outcome:
    """Re-cluster one organisation in this process, recorded as a finished run."""
    outcome = await recluster(sessions, org_id, model=embedder.name, progress=progress)
    async with sessions() as session, session.begin():
        await runs.record_finished(session, org_id, outcome.as_dict(), now=clock.now())
    return outcome
