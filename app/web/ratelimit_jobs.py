"""Background upkeep of the shared rate-limit table, run by the task queue's workers."""

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform.db import transaction
from app.platform.queue import SESSIONS
from app.web.ratelimit import PURGE


async def purge_rate_limits(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Remove rate-limit rows whose theoretical arrival time has passed: they say no more
    than a missing row."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    async with transaction(sessions) as session:
        result = await session.execute(PURGE)
    return int(getattr(result, "rowcount", 0) or 0)
