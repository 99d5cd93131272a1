"""Background jobs of routing, run by the task queue's workers."""

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform import clock
from app.platform.db import transaction
from app.platform.queue import SESSIONS
from app.routing import service
from app.routing.schemas import EscalationReport


async def escalate_overdue(
    context: procrastinate.JobContext, timestamp: int | None = None
) -> dict[str, int]:
    """Escalate every overdue insight, a batch per transaction, so a crash loses at most the
    batch in flight, which the next run takes again."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    total = EscalationReport(escalated=0, stopped=0)
    while True:
        async with transaction(sessions) as session:
            report = await service.escalate_overdue(session, now=clock.now())
        total = EscalationReport(
            escalated=total.escalated + report.escalated, stopped=total.stopped + report.stopped
        )
        if report.escalated + report.stopped < service.ESCALATION_BATCH:
            return total.model_dump()
