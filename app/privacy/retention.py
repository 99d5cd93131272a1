"""Retention: once a closed insight is older than its organisation's retention period, its
free text goes – the insight's text and resolution, comments, answers, notification
excerpts, event notes, attachments and the customer's contact. The row stays with its
kind, unit, stage, status and times, so counts, trends and listening metrics do not move.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights.models import (
    Attachment,
    Comment,
    CustomerContact,
    Endorsement,
    Insight,
    InsightEvent,
)
from app.loop.models import LoopCommunication
from app.notify.models import Notification
from app.org.models import Organisation
from app.platform.db import table, transaction

log = logging.getLogger(__name__)

BATCH = 200
REDACTED = "—"
# Free-text members of timeline events and notifications.
TEXT_KEYS = [
    "reason",
    "message",
    "resolution",
    "note",
    "body",
    "text",
    "excerpt",
    "comment",
    "name",
    "address",
]

_insights = table(Insight)
_organisations = table(Organisation)
_i, _o = _insights.c, _organisations.c

# Closed insights past their organisation's retention, oldest first, locked; rows another
# transaction holds are skipped, so two sweeps never take the same insight.
_DUE = (
    select(_i.org_id, _i.id)
    .join_from(_insights, _organisations, _o.id == _i.org_id)
    .where(
        _o.retention_days.is_not(None),
        _i.redacted_at.is_(None),
        _i.closed_at.is_not(None),
        _i.closed_at
        < bindparam("now", type_=DateTime(timezone=True))
        - func.make_interval(0, 0, 0, _o.retention_days),
    )
    .order_by(_i.closed_at)
    .limit(bindparam("limit"))
    .with_for_update(of=_insights, skip_locked=True)
)


def _without_text_keys(data: ColumnElement[Any]) -> ColumnElement[Any]:
    return data.op("-", return_type=JSONB)(bindparam("text_keys", TEXT_KEYS, type_=ARRAY(Text)))


@dataclass
class Swept:
    insights: int = 0
    attachment_keys: list[str] = field(default_factory=list)


async def redact_batch(session: AsyncSession, now: datetime, limit: int = BATCH) -> Swept:
    """Redact up to `limit` insights past their retention, in the caller's transaction."""
    due = [tuple(row) for row in await session.execute(_DUE, {"now": now, "limit": limit})]
    if not due:
        return Swept()

    def on_due(rows: Table) -> ColumnElement[bool]:
        insight_id = rows.c.id if rows is _insights else rows.c.insight_id
        return tuple_(rows.c.org_id, insight_id).in_(due)

    await session.execute(
        update(_insights)
        .where(on_due(_insights))
        .values(text=REDACTED, resolution=None, tags=[], redacted_at=now)
    )
    for thread, values in (
        (table(Comment), {"body": REDACTED}),
        (table(LoopCommunication), {"message": REDACTED}),
        (table(Endorsement), {"note": None}),
    ):
        await session.execute(update(thread).where(on_due(thread)).values(values))
    for timeline in (table(Notification), table(InsightEvent)):
        await session.execute(
            update(timeline)
            .where(on_due(timeline))
            .values(data=_without_text_keys(timeline.c.data))
        )
    contacts = table(CustomerContact)
    await session.execute(
        update(contacts)
        .where(on_due(contacts))
        .values(
            name=None,
            address=None,
            consent_text=None,
            erased_at=func.coalesce(contacts.c.erased_at, now),
        )
    )
    attachments = table(Attachment)
    removed = (
        await session.execute(
            delete(attachments)
            .where(on_due(attachments))
            .returning(attachments.c.storage_key, attachments.c.thumbnail_key)
        )
    ).all()
    return Swept(len(due), [key for pair in removed for key in pair if key])


async def sweep(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, limit: int = BATCH
) -> Swept:
    """Redact everything past its retention, a batch per transaction, logging progress."""
    total = Swept()
    while True:
        async with transaction(sessions) as session:
            swept = await redact_batch(session, now, limit)
        total.insights += swept.insights
        total.attachment_keys += swept.attachment_keys
        if swept.insights:
            log.info("retention: %d insights redacted so far", total.insights)
        if swept.insights < limit:
            return total
