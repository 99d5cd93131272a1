"""Folding duplicates into one insight, which they then follow."""

import uuid

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows, timeline
from app.insights.endorsements import ec, endorsement_table
from app.insights.models import EventType, InsightStatus
from app.insights.rows import InsightRef
from app.insights.schemas import MergeInput
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org.principal import Principal
from app.platform import clock


async def merge_insights(
    session: AsyncSession, actor: Principal, parent_id: uuid.UUID, data: MergeInput
) -> None:
    """Fold duplicates into `parent_id`: they become `merged`, leave the inboxes and follow
    the parent; their reporters, endorsers and customer contacts are answered with it.

    The caller must be able to act on the parent and on every duplicate (404 out of sight,
    403 without rights). Merging again what is already merged into this parent changes
    nothing, so a retry is safe. Raises 422 `merge_into_itself`, 409 `merge_into_merged` and
    409 `invalid_status_transition` for a duplicate that is closed or merged elsewhere.
    """
    parent = await rows.lock_for_action(session, actor, parent_id)
    child_ids = list(dict.fromkeys(data.insight_ids))
    for child_id in child_ids:
        policies.require_mergeable(parent.id, parent.status, child_id)
    children = [await rows.lock_for_action(session, actor, child_id) for child_id in child_ids]
    new = [c for c in children if c.merged_into_id != parent.id]
    for child in new:
        policies.require_transition(child.status, InsightStatus.MERGED)
    if not new:
        return

    now = clock.now()
    new_ids = [c.id for c in new]
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id.in_(new_ids))
        .values(
            status=InsightStatus.MERGED,
            merged_into_id=parent.id,
            endorsement_count=0,
            updated_at=now,
            version=rows.ic.version + 1,
        )
    )
    # One level only: what was merged into a duplicate now follows the parent directly.
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.merged_into_id.in_(new_ids))
        .values(merged_into_id=parent.id, updated_at=now)
    )
    endorsement_count = await _carry_endorsements(session, actor.org_id, parent, new_ids)
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id == parent.id)
        .values(endorsement_count=endorsement_count, updated_at=now, version=rows.ic.version + 1)
    )
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=parent.id,
        type=EventType.MERGED,
        actor_id=actor.person_id,
        data={"insight_ids": [str(i) for i in new_ids]},
    )
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=new_ids,
        type=EventType.MERGED_INTO,
        actor_id=actor.person_id,
        data={"parent_id": str(parent.id)},
    )
    for child in new:
        await notify_service.notify(
            session,
            org_id=actor.org_id,
            person_ids=[child.author_id],
            kind=NotificationKind.INSIGHT_MERGED,
            insight_id=child.id,
            data={"excerpt": excerpt(child.text), "status": InsightStatus.MERGED.value},
            exclude=actor.person_id,
        )


async def _carry_endorsements(
    session: AsyncSession, org_id: uuid.UUID, parent: InsightRef, child_ids: list[uuid.UUID]
) -> int:
    """Move the duplicates' endorsements to the parent, keeping one per person and none by
    the parent's reporter. Returns the parent's endorsement count."""
    backers = set(
        await session.scalars(
            select(ec.person_id).where(ec.org_id == org_id, ec.insight_id == parent.id)
        )
    )
    backers.add(parent.author_id)
    moved: list[uuid.UUID] = []
    dropped: list[uuid.UUID] = []
    for endorsement_id, person_id in await session.execute(
        select(ec.id, ec.person_id)
        .where(ec.org_id == org_id, ec.insight_id.in_(child_ids))
        .order_by(ec.created_at, ec.id)
    ):
        (dropped if person_id in backers else moved).append(endorsement_id)
        backers.add(person_id)
    if dropped:
        await session.execute(
            endorsement_table.delete().where(ec.org_id == org_id, ec.id.in_(dropped))
        )
    if moved:
        await session.execute(
            update(endorsement_table)
            .where(ec.org_id == org_id, ec.id.in_(moved))
            .values(insight_id=parent.id)
        )
    return len(backers) - 1
