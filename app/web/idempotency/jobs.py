"""Background upkeep of idempotency keys, run by the task queue's workers."""

import procrastinate

from app.platform import clock
from app.platform.db import transaction
from app.platform.queue import SESSIONS
from app.web.idempotency import service


async def purge_idempotency_keys(
    context: procrastinate.JobContext, timestamp: int | None = None
) -> int:
    """Remove keys past their window, a batch per transaction."""
    sessions = context.additional_context[SESSIONS]
    total = 0
    while True:
        async with transaction(sessions) as session:
            purged = await service.purge_expired(session, now=clock.now())
        total += purged
        if purged < service.PURGE_BATCH:
            return total
