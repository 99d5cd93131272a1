"""The webhook job of the task queue's workers."""

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform.queue import SESSIONS
from app.webhooks import delivery

# The worker's context says whether loopback targets are allowed (development and tests).
ALLOW_LOOPBACK = "webhook_allow_loopback"


async def deliver_webhooks(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Fan the timeline out to subscriptions and send every delivery that is due."""
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    allow_loopback: bool = context.additional_context.get(ALLOW_LOOPBACK, False)
    async with delivery.new_client() as client:
        return await delivery.deliver_round(sessions, client, allow_loopback=allow_loopback)
