"""Upkeep of idempotency keys."""

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.db import table
from app.web.idempotency.models import IdempotencyKey

PURGE_BATCH = 1000

keys = table(IdempotencyKey)


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete up to PURGE_BATCH keys whose window has passed; returns how many."""
    expired = (
        select(keys.c.scope, keys.c.key)
        .where(keys.c.expires_at <= now)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        delete(keys).where(tuple_(keys.c.scope, keys.c.key).in_(expired.scalar_subquery()))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
