"""What the loop holds about one person, for their data export
(`app.privacy.service.export_person`): the answers they were sent and those they wrote."""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.loop.models import LoopCommunication
from app.platform.db import table

_answers = table(LoopCommunication)


async def answers_received(
    session: AsyncSession,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    leaving_out: Select[uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """The answers the person was sent, oldest first, except those on the insights
    `leaving_out` selects."""
    m = _answers.c
    query = select(m.id, m.insight_id, m.message, m.sent_at, m.acknowledged_at).where(
        m.org_id == org_id, m.recipient_id == person_id
    )
    if leaving_out is not None:
        query = query.where(m.insight_id.not_in(leaving_out))
    rows = await session.execute(query.order_by(m.created_at))
    return [dict(row) for row in rows.mappings()]


async def answers_written(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The answers the person wrote to reporters and customers, oldest first."""
    m = _answers.c
    rows = await session.execute(
        select(m.id, m.insight_id, m.audience, m.message, m.created_at)
        .where(m.org_id == org_id, m.author_id == person_id)
        .order_by(m.created_at)
    )
    return [dict(row) for row in rows.mappings()]
