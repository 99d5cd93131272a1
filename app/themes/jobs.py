"""Background jobs of themes: embedding the backlog and re-clustering, run by the task
queue's workers."""

import dataclasses

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform import clock
from app.platform.db import transaction
from app.platform.queue import SESSIONS
from app.themes import catchup, runs
from app.themes.embedder import Embedder

# The job context's embedder (`app.jobs.job_context`).
EMBEDDER = "embedder"


async def embed_insights(
    context: procrastinate.JobContext, timestamp: int | None = None
) -> dict[str, int]:
    """Embed the whole backlog (`catchup.embed_all`)."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    embedder: Embedder = context.additional_context[EMBEDDER]
    return dataclasses.asdict(await catchup.embed_all(sessions, embedder))


async def recluster_themes(
    context: procrastinate.JobContext, timestamp: int | None = None
) -> dict[str, int]:
    """Queue the runs the schedule says are due, then carry out every queued run."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    embedder: Embedder = context.additional_context[EMBEDDER]
    async with transaction(sessions) as session:
        queued = await runs.queue_due(session, now=clock.now())
    done = 0
    while await runs.run_next(sessions, model=embedder.name) is not None:
        done += 1
    return {"queued": queued, "ran": done}
