"""In-app notifications: written by the other domains, read by each person."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.notify.messages import render
from app.notify.models import EmailState, Notification, NotificationKind
from app.notify.schemas import NotificationOut, ReadAllOut
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import NotFound
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor

# What is worth an e-mail as well, when SMTP is configured: work handed to someone, and
# answers to them. The rest stays in the app.
EMAILED_KINDS = frozenset(
    {
        NotificationKind.INSIGHT_ASSIGNED,
        NotificationKind.INSIGHT_ESCALATED,
        NotificationKind.REPORTER_TOLD,
        NotificationKind.COMMENT_ADDED,
    }
)


async def notify(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    person_ids: Iterable[uuid.UUID],
    kind: NotificationKind,
    insight_id: uuid.UUID | None,
    data: dict[str, Any],
    exclude: uuid.UUID | None = None,
) -> int:
    """Queue one notification per person (never to `exclude`, the one who caused it); the
    kinds in `EMAILED_KINDS` wait to be e-mailed too."""
    now = clock.now()
    email_state = EmailState.PENDING if kind in EMAILED_KINDS else None
    rows = [
        {
            "org_id": org_id,
            "id": uuid.uuid4(),
            "person_id": person_id,
            "kind": kind,
            "insight_id": insight_id,
            "data": data,
            "created_at": now,
            "email_state": email_state,
        }
        for person_id in sorted(set(person_ids))
        if person_id != exclude
    ]
    if rows:
        await session.execute(insert(table(Notification)), rows)
    return len(rows)


def _out(row: Notification, actor: Principal) -> NotificationOut:
    title, body = render(row.kind, actor.locale, row.data)
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        title=title,
        body=body,
        insight_id=row.insight_id,
        data=row.data,
        created_at=row.created_at,
        read_at=row.read_at,
    )


async def list_notifications(
    session: AsyncSession,
    actor: Principal,
    *,
    unread_only: bool = False,
    limit: int = 25,
    cursor: str | None = None,
) -> Page[NotificationOut]:
    """The caller's feed, newest first."""
    check_limit(limit)
    query = select(Notification).where(
        Notification.org_id == actor.org_id, Notification.person_id == actor.person_id
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    position = read_cursor(cursor, c=datetime.fromisoformat, i=uuid.UUID)
    if position is not None:
        after = (position["c"], position["i"])
        query = query.where(tuple_(Notification.created_at, Notification.id) < after)
    rows = list(
        await session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor({"c": last.created_at.isoformat(), "i": str(last.id)})
    return Page(items=[_out(r, actor) for r in rows], next_cursor=next_cursor)


async def mark_read(
    session: AsyncSession, actor: Principal, notification_id: uuid.UUID
) -> NotificationOut:
    """Marks one of the caller's notifications read; reading twice keeps the first time."""
    row = await session.scalar(
        select(Notification)
        .where(
            Notification.org_id == actor.org_id,
            Notification.person_id == actor.person_id,
            Notification.id == notification_id,
        )
        .with_for_update()
    )
    if row is None:
        raise NotFound("No such notification.")
    if row.read_at is None:
        row.read_at = clock.now()
        await session.flush()
    return _out(row, actor)


async def mark_all_read(session: AsyncSession, actor: Principal) -> ReadAllOut:
    result = await session.execute(
        update(Notification)
        .where(
            Notification.org_id == actor.org_id,
            Notification.person_id == actor.person_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=clock.now())
    )
    return ReadAllOut(marked_read=result.rowcount)  # type: ignore[attr-defined]


async def notifications_by_id(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID]
) -> list[NotificationOut]:
    """The caller's notifications among `ids`, in that order, in their language."""
    if not ids:
        return []
    rows = await session.scalars(
        select(Notification).where(
            Notification.org_id == actor.org_id,
            Notification.person_id == actor.person_id,
            Notification.id.in_(ids),
        )
    )
    by_id = {row.id: row for row in rows}
    return [_out(by_id[i], actor) for i in ids if i in by_id]
