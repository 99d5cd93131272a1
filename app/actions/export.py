"""What the actions hold about one person, for their data export
(`app.privacy.service.export_person`): the actions they own or created."""

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action
from app.platform.db import table

_actions = table(Action)


async def actions_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The actions the person owns or created, oldest first, saying which of the two."""
    a = _actions.c
    rows = await session.execute(
        select(
            a.id,
            a.title,
            a.description,
            a.status,
            a.outcome,
            a.due_on,
            a.created_at,
            (a.owner_id == person_id).label("owner"),
            (a.created_by == person_id).label("creator"),
        )
        .where(a.org_id == org_id, or_(a.owner_id == person_id, a.created_by == person_id))
        .order_by(a.created_at)
    )
    return [dict(row) for row in rows.mappings()]
