"""What the notifications hold about one person, for their data export
(`app.privacy.service.export_person`)."""

import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notify.models import Notification
from app.platform.db import table

_notifications = table(Notification)


async def notifications_of(
    session: AsyncSession,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    leaving_out: Select[uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """The person's notifications, oldest first, except those about the insights
    `leaving_out` selects."""
    n = _notifications.c
    query = select(n.id, n.kind, n.insight_id, n.data, n.created_at, n.read_at).where(
        n.org_id == org_id, n.person_id == person_id
    )
    if leaving_out is not None:
        query = query.where(or_(n.insight_id.is_(None), n.insight_id.not_in(leaving_out)))
    rows = await session.execute(query.order_by(n.created_at))
    return [dict(row) for row in rows.mappings()]
