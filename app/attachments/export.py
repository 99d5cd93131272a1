"""What the attachments hold about one person, for their data export
(`app.privacy.service.export_person`): what they uploaded, without the bytes."""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Attachment
from app.platform.db import table

_attachments = table(Attachment)


async def uploads_of(
    session: AsyncSession,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    leaving_out: Select[uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """What the person uploaded, oldest first, except to the insights `leaving_out` selects."""
    t = _attachments.c
    query = select(
        t.id, t.insight_id, t.comment_id, t.kind, t.media_type, t.size, t.created_at
    ).where(t.org_id == org_id, t.uploader_id == person_id)
    if leaving_out is not None:
        query = query.where(t.insight_id.not_in(leaving_out))
    rows = await session.execute(query.order_by(t.created_at))
    return [dict(row) for row in rows.mappings()]
