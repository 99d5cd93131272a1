"""Background jobs of insights, run by the task queue's workers."""

import dataclasses

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights import escalation
from app.insights.escalation import EscalationReport
from app.platform import clock
from app.platform.db import transaction
from app.platform.queue import SESSIONS


async def escalate_overdue(
    context: procrastinate.JobContext, timestamp: int | None = None
) -> dict[str, int]:
    """Escalate every overdue insight, a batch per transaction, so a crash loses at most the
    batch in flight, which the next run takes again."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    total = EscalationReport(escalated=0, stopped=0)
    while True:
        async with transaction(sessions) as session:
            report = await escalation.escalate_overdue(session, now=clock.now())
        total = EscalationReport(
            escalated=total.escalated + report.escalated, stopped=total.stopped + report.stopped
        )
        if report.escalated + report.stopped < escalation.ESCALATION_BATCH:
            return dataclasses.asdict(total)
