"""Attachments as a given reader sees them, for the insight and comment outputs."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies
from app.insights.models import Attachment, Visibility
from app.insights.rows import InsightRef
from app.insights.schemas import API_PATH, AttachmentOut
from app.org.models import Person
from app.org.principal import Principal
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
    insights: Sequence[InsightRef],
    *,
    with_comments: bool,
) -> dict[uuid.UUID, dict[uuid.UUID | None, list[AttachmentOut]]]:
    """The attachments of each of `insights`, grouped by comment id (None: on the insight
    itself), oldest first, in one statement. Comment attachments only when `with_comments`
    (the reader follows the thread)."""
    by_id = {i.id: i for i in insights}
    grouped: dict[uuid.UUID, dict[uuid.UUID | None, list[AttachmentOut]]] = {
        i: defaultdict(list) for i in by_id
    }
    if not by_id:
        return grouped
    query = (
        select(Attachment, Person.display_name)
        .join(Person, and_(Person.org_id == Attachment.org_id, Person.id == Attachment.uploader_id))
        .where(Attachment.org_id == actor.org_id, Attachment.insight_id.in_(list(by_id)))
        .order_by(Attachment.created_at, Attachment.id)
    )
    if not with_comments:
        query = query.where(Attachment.comment_id.is_(None))
    for attachment, name in await session.execute(query):
        insight = by_id[attachment.insight_id]
        grouped[insight.id][attachment.comment_id].append(
            attachment_out(actor, attachment, name, insight.author_id, insight.visibility)
        )
    return grouped
