"""The two-way thread between an insight's reporter and its managers."""

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import (
    and_,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows, timeline
from app.insights.attachments import attachments_of
from app.insights.language import language_of
from app.insights.models import Comment as CommentRow
from app.insights.models import EventType
from app.insights.rows import InsightRef
from app.insights.schemas import CommentCreate, CommentOut
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.models import Person
from app.org.principal import Principal
from app.platform import clock
from app.platform.errors import (
    Conflict,
    Forbidden,
)


async def add_comment(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: CommentCreate
) -> CommentOut:
    """Add to the two-way thread between the reporter and the insight's managers.

    A retried comment with the same client id returns the stored one.
    """
    row = await rows.visible_insight(session, actor, insight_id)
    if not policies.can_comment(actor, row.author_id, row.unit_path, row.owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers can comment.", code="not_in_thread"
        )
    comment_id = data.id or uuid.uuid4()
    now = clock.now()
    language = await language_of(data.body)
    inserted = await session.scalar(
        insert(CommentRow)
        .values(
            org_id=actor.org_id,
            id=comment_id,
            insight_id=row.id,
            author_id=actor.person_id,
            body=data.body,
            language=language,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(CommentRow.id)
    )
    if inserted is None:
        stored = await session.get(CommentRow, (actor.org_id, comment_id))
        if (
            stored is None
            or stored.author_id != actor.person_id
            or stored.insight_id != row.id
            or stored.body != data.body
        ):
            raise Conflict("The comment id is in use.", code="comment_id_conflict")
        return _comment_out(actor, row, stored, actor.display_name)

    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.COMMENTED,
        actor_id=actor.person_id,
        data={"comment_id": str(comment_id)},
    )
    recipients = (
        await org_service.managers_of(session, actor.org_id, row.owner_unit_id)
        if rows.is_reporter(row, actor.person_id)
        else [row.author_id]
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=recipients,
        kind=NotificationKind.COMMENT_ADDED,
        insight_id=row.id,
        data={"comment": excerpt(data.body)},
        exclude=actor.person_id,
    )
    stored = CommentRow(
        org_id=actor.org_id,
        id=comment_id,
        insight_id=row.id,
        author_id=actor.person_id,
        body=data.body,
        language=language,
        created_at=now,
    )
    return _comment_out(actor, row, stored, actor.display_name)


def _comment_out(
    actor: Principal, row: InsightRef, comment: CommentRow, author_name: str
) -> CommentOut:
    return CommentOut(
        id=comment.id,
        body=comment.body,
        language=comment.language,
        author=rows.masked_person(actor, row, comment.author_id, author_name),
        by_reporter=rows.is_reporter(row, comment.author_id),
        is_mine=comment.author_id == actor.person_id,
        created_at=comment.created_at,
    )


async def threads(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> rows.Each[list[CommentOut]]:
    """The threads of `insight_ids`, oldest comment first, with their attachments, in three
    statements; 404 or 403 for each the caller does not follow."""
    followed, failed = await rows.followed_refs(session, actor, insight_ids)
    found: rows.Each[list[CommentOut]] = {**failed, **{i: [] for i in followed}}
    if not followed:
        return found
    comments = await session.execute(
        select(CommentRow, Person.display_name)
        .join(Person, and_(Person.org_id == CommentRow.org_id, Person.id == CommentRow.author_id))
        .where(CommentRow.org_id == actor.org_id, CommentRow.insight_id.in_(list(followed)))
        .order_by(CommentRow.created_at, CommentRow.id)
    )
    attachments = await attachments_of(session, actor, list(followed.values()), with_comments=True)
    for comment, name in comments:
        row = followed[comment.insight_id]
        out = _comment_out(actor, row, comment, name)
        out.attachments = attachments[row.id].get(comment.id, [])
        cast(list[CommentOut], found[row.id]).append(out)
    return found


async def list_comments(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[CommentOut]:
    """The whole thread, oldest first."""
    return rows.one(await threads(session, actor, [insight_id]), insight_id)
