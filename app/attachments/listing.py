"""Attachments as a given reader sees them, for the insight and comment outputs."""

import uuid
from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attachments.models import Attachment
from app.attachments.schemas import API_PATH, AttachmentOut
from app.auth.principal import Principal
from app.insights import policies
from app.insights.models import Visibility
from app.org.models import Person
from app.org.schemas import PersonRef


def attachment_out(
    actor: Principal,
    attachment: Attachment,
    uploader_name: str,
    reporter_id: uuid.UUID,
    visibility: Visibility,
) -> AttachmentOut:
    """A confidential reporter's uploads do not name them, as their comments do not."""
    by_reporter = attachment.uploader_id == reporter_id
    named = not by_reporter or policies.shows_reporter(actor, reporter_id, visibility)
    base = f"{API_PATH}{attachment.id}"
    return AttachmentOut(
        id=attachment.id,
        insight_id=attachment.insight_id,
        comment_id=attachment.comment_id,
        kind=attachment.kind,
        media_type=attachment.media_type,
        size=attachment.size,
        sha256=attachment.sha256,
        width=attachment.width,
        height=attachment.height,
        duration_seconds=attachment.duration_seconds,
        uploaded_by=PersonRef(id=attachment.uploader_id, display_name=uploader_name)
        if named
        else None,
        by_reporter=by_reporter,
        is_mine=attachment.uploader_id == actor.person_id,
        created_at=attachment.created_at,
        content_url=f"{base}/content",
        thumbnail_url=f"{base}/thumbnail" if attachment.thumbnail_key else None,
    )


async def attachments_of(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    reporter_id: uuid.UUID,
    visibility: Visibility,
    *,
    with_comments: bool,
) -> dict[uuid.UUID | None, list[AttachmentOut]]:
    """An insight's attachments grouped by comment id (None: on the insight itself), oldest
    first. Comment attachments only when `with_comments` (the reader follows the thread)."""
    query = (
        select(Attachment, Person.display_name)
        .join(Person, and_(Person.org_id == Attachment.org_id, Person.id == Attachment.uploader_id))
        .where(Attachment.org_id == actor.org_id, Attachment.insight_id == insight_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    if not with_comments:
        query = query.where(Attachment.comment_id.is_(None))
    grouped: dict[uuid.UUID | None, list[AttachmentOut]] = defaultdict(list)
    for attachment, name in await session.execute(query):
        grouped[attachment.comment_id].append(
            attachment_out(actor, attachment, name, reporter_id, visibility)
        )
    return grouped
