"""The timeline of an insight: every change as an event, appended and never altered. It is
the audit log, the source of the metrics and the outbox of webhooks."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    and_,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import rows
from app.insights.models import EventType, InsightEvent
from app.insights.schemas import EventOut
from app.org.models import Person
from app.org.principal import Principal
from app.platform import clock, request_ids
from app.platform.db import table


@dataclass(frozen=True, slots=True)
class NewEvent:
    insight_id: uuid.UUID
    type: EventType
    actor_id: uuid.UUID | None
    data: dict[str, Any]


async def record_events(session: AsyncSession, org_id: uuid.UUID, events: list[NewEvent]) -> None:
    """Append to insights' timelines in one statement, all at the same moment."""
    if not events:
        return
    now = clock.now()
    await session.execute(
        insert(table(InsightEvent)),
        [
            {
                "org_id": org_id,
                "insight_id": event.insight_id,
                "type": event.type,
                "actor_id": event.actor_id,
                "data": request_ids.stamped(event.data),
                "created_at": now,
            }
            for event in events
        ],
    )


async def record_event(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    insight_ids: list[uuid.UUID] | uuid.UUID,
    type: EventType,
    actor_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append the same event to the timeline of one or more insights."""
    ids = insight_ids if isinstance(insight_ids, list) else [insight_ids]
    await record_events(session, org_id, [NewEvent(i, type, actor_id, data or {}) for i in ids])


async def timelines(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> rows.Each[list[EventOut]]:
    """The timelines of `insight_ids`, oldest event first, in two statements; 404 or 403 for
    each the caller does not follow."""
    followed, failed = await rows.followed_refs(session, actor, insight_ids)
    found: rows.Each[list[EventOut]] = {**failed, **{i: [] for i in followed}}
    if not followed:
        return found
    events = await session.execute(
        select(InsightEvent, Person.display_name)
        .outerjoin(
            Person, and_(Person.org_id == InsightEvent.org_id, Person.id == InsightEvent.actor_id)
        )
        .where(InsightEvent.org_id == actor.org_id, InsightEvent.insight_id.in_(list(followed)))
        .order_by(InsightEvent.id)
    )
    for event, name in events:
        row = followed[event.insight_id]
        cast(list[EventOut], found[row.id]).append(
            EventOut(
                id=event.id,
                type=event.type,
                actor=rows.masked_person(actor, row, event.actor_id, name),
                by_reporter=rows.is_reporter(row, event.actor_id),
                data=request_ids.unstamped(event.data),
                created_at=event.created_at,
            )
        )
    return found


async def timeline(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[EventOut]:
    """Every change to the insight, oldest first."""
    return rows.one(await timelines(session, actor, [insight_id]), insight_id)
