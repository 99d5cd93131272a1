"""Moving insights along: status changes, reassignment and bulk triage."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows, timeline
from app.insights.models import EventType, InsightStatus
from app.insights.rows import InsightRef
from app.insights.schemas import (
    AssignInput,
    BulkItemError,
    BulkItemResult,
    BulkOperation,
    BulkTriageInput,
    BulkTriageOut,
)
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.platform import clock
from app.platform.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from app.routing.service import Routing


async def change_status(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    target: InsightStatus,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> None:
    """Move an insight along new → acknowledged → in_progress → resolved | declined.

    Raises 409 `invalid_status_transition` for a move the status does not allow, and 412
    `version_mismatch` when `expected_version` is stale.
    """
    row = await rows.lock_for_action(session, actor, insight_id)
    await apply_status(session, actor, row, target, note=note, expected_version=expected_version)


EVENT_FOR_STATUS = {
    InsightStatus.ACKNOWLEDGED: EventType.ACKNOWLEDGED,
    InsightStatus.IN_PROGRESS: EventType.STARTED,
    InsightStatus.RESOLVED: EventType.RESOLVED,
    InsightStatus.DECLINED: EventType.DECLINED,
}


async def apply_status(
    session: AsyncSession,
    actor: Principal,
    row: InsightRef,
    target: InsightStatus,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> None:
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            "The insight has changed since it was read.",
            extra={"version": row.version},
        )
    policies.require_transition(row.status, target)
    if target in policies.CLOSED_STATUSES and not (note and note.strip()):
        raise InvalidInput("Say what was done, or why not.", code="reason_required")
    now = clock.now()
    changes: dict[str, Any] = {"status": target, "updated_at": now, "version": row.version + 1}
    if row.acknowledged_at is None:
        changes["acknowledged_at"] = now
    if target in policies.CLOSED_STATUSES:
        changes["closed_at"] = now
        changes["resolution"] = note.strip() if note else None
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id == row.id)
        .values(changes)
    )
    data: dict[str, Any] = {"from": row.status.value, "to": target.value}
    if note:
        data["note"] = note.strip()
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EVENT_FOR_STATUS[target],
        actor_id=actor.person_id,
        data=data,
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=[row.author_id],
        kind=NotificationKind.INSIGHT_ACKNOWLEDGED
        if target is InsightStatus.ACKNOWLEDGED
        else NotificationKind.INSIGHT_STATUS_CHANGED,
        insight_id=row.id,
        data={"status": target.value, "excerpt": excerpt(row.text)},
        exclude=actor.person_id,
    )


async def start_work(session: AsyncSession, actor: Principal, row: InsightRef, reason: str) -> None:
    """Put an insight, locked by `rows.lock_for_action`, in progress because of `reason` (an
    action, say), if it is not already."""
    if row.status in (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED):
        await apply_status(session, actor, row, InsightStatus.IN_PROGRESS, note=reason)


async def _reassign(
    session: AsyncSession,
    actor: Principal,
    row: InsightRef,
    unit_id: uuid.UUID,
    note: str | None,
) -> UnitRef:
    """Hand a locked insight to the managers of `unit_id` (or the nearest unit above it that
    has any), with fresh deadlines. Returns the new owner unit."""
    if row.status in policies.CLOSED_STATUSES:
        raise Conflict(
            f"An insight that is {row.status.value} cannot be reassigned.",
            code="invalid_status_transition",
            extra={"current_status": row.status.value},
        )
    try:
        owners = await org_service.nearest_managers(session, actor.org_id, unit_id)
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None
    if owners.unit_id == row.owner_unit_id:
        return UnitRef(id=owners.unit_id, name=owners.unit_name)
    now = clock.now()
    changes: dict[str, Any] = {
        "owner_unit_id": owners.unit_id,
        "respond_due_at": now + timedelta(minutes=row.respond_minutes),
        "escalation_level": 0,
        "escalation_stopped_at": None,
        "updated_at": now,
        "version": row.version + 1,
    }
    if row.status is InsightStatus.NEW:
        changes["ack_due_at"] = now + timedelta(minutes=row.ack_minutes)
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id == row.id)
        .values(changes)
    )
    data: dict[str, Any] = {
        "from_unit_id": str(row.owner_unit_id),
        "from_unit": row.owner_name,
        "to_unit_id": str(owners.unit_id),
        "to_unit": owners.unit_name,
        "managers": len(owners.manager_ids),
    }
    if owners.unit_id != unit_id:
        data["requested_unit_id"] = str(unit_id)
    if note and note.strip():
        data["note"] = note.strip()
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.REASSIGNED,
        actor_id=actor.person_id,
        data=data,
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=owners.manager_ids,
        kind=NotificationKind.INSIGHT_ASSIGNED,
        insight_id=row.id,
        data={"excerpt": excerpt(row.text), "kind": row.kind.value},
        exclude=actor.person_id,
    )
    return UnitRef(id=owners.unit_id, name=owners.unit_name)


async def assign_insight(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    data: AssignInput,
    *,
    expected_version: int | None = None,
) -> None:
    """Hand an open insight to the managers of another unit of the organisation, who get
    fresh deadlines and a notification. 404 out of sight, 403 without the right to act,
    409 when it is closed, 422 `unknown_unit`, 412 `version_mismatch` when it changed
    after `expected_version`."""
    row = await rows.lock_for_action(session, actor, insight_id)
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            "The insight has changed since it was read.", extra={"version": row.version}
        )
    await _reassign(session, actor, row, data.unit_id, data.note)


async def _triage_one(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: BulkTriageInput
) -> BulkItemResult:
    row = await rows.lock_for_action(session, actor, insight_id)
    owner = UnitRef(id=row.owner_unit_id, name=row.owner_name)
    if data.operation is BulkOperation.ASSIGN:
        assert data.unit_id is not None
        owner = await _reassign(session, actor, row, data.unit_id, data.reason)
        status = row.status
    else:
        status = (
            InsightStatus.ACKNOWLEDGED
            if data.operation is BulkOperation.ACKNOWLEDGE
            else InsightStatus.DECLINED
        )
        await apply_status(session, actor, row, status, note=data.reason)
    return BulkItemResult(
        insight_id=insight_id, ok=True, status=status, owner_unit=owner, error=None
    )


async def triage(session: AsyncSession, actor: Principal, data: BulkTriageInput) -> BulkTriageOut:
    """Acknowledge, assign or decline many insights. Each succeeds or fails on its own, all
    or nothing (a savepoint each); a failure answers with the code a single call would.
    Someone who manages nothing is turned away as a whole (403 `not_a_manager`)."""
    policies.require_manager(actor)
    done: dict[uuid.UUID, BulkItemResult] = {}
    # Locked in one global order, so two overlapping bulk changes cannot deadlock.
    for insight_id in sorted(set(data.insight_ids)):
        try:
            async with session.begin_nested():
                done[insight_id] = await _triage_one(session, actor, insight_id, data)
        except DomainError as exc:
            error = BulkItemError(code=exc.code, status=exc.status, detail=exc.detail)
            done[insight_id] = BulkItemResult(
                insight_id=insight_id, ok=False, status=None, owner_unit=None, error=error
            )
    results = [done[insight_id] for insight_id in dict.fromkeys(data.insight_ids)]
    succeeded = sum(1 for r in results if r.ok)
    return BulkTriageOut(succeeded=succeeded, failed=len(results) - succeeded, results=results)


async def route_again(
    session: AsyncSession, org_id: uuid.UUID, insight_id: uuid.UUID, route: Routing
) -> bool:
    """Route a still-new, unacknowledged insight again by `route` (a rule that needed its
    theme matched once it joined one): new owners with fresh deadlines, a `routed` event
    naming the rule, a notification. False when it moved on meanwhile or is already there."""
    row = (
        await session.execute(
            select(
                rows.ic.status,
                rows.ic.acknowledged_at,
                rows.ic.owner_unit_id,
                rows.ic.author_id,
                rows.ic.text,
                rows.ic.kind,
            )
            .where(rows.ic.org_id == org_id, rows.ic.id == insight_id)
            .with_for_update()
        )
    ).first()
    if (
        row is None
        or row.status is not InsightStatus.NEW
        or row.acknowledged_at is not None
        or row.owner_unit_id == route.owner_unit_id
    ):
        return False
    now = clock.now()
    ack_due = now + timedelta(minutes=route.ack_minutes)
    respond_due = now + timedelta(minutes=route.respond_minutes)
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == org_id, rows.ic.id == insight_id)
        .values(
            owner_unit_id=route.owner_unit_id,
            ack_due_at=ack_due,
            respond_due_at=respond_due,
            ack_minutes=route.ack_minutes,
            respond_minutes=route.respond_minutes,
            escalation_level=0,
            escalation_stopped_at=None,
            updated_at=now,
            version=rows.ic.version + 1,
        )
    )
    await timeline.record_event(
        session,
        org_id=org_id,
        insight_ids=insight_id,
        type=EventType.ROUTED,
        actor_id=None,
        data={
            "owner_unit_id": str(route.owner_unit_id),
            "owner_unit": route.owner_name,
            "from_unit_id": str(row.owner_unit_id),
            "rule_id": str(route.rule_id) if route.rule_id else None,
            "rule": route.rule_name,
            "reason": route.reason,
            "managers": len(route.manager_ids),
            "ack_due_at": ack_due.isoformat(),
            "respond_due_at": respond_due.isoformat(),
        },
    )
    await notify_service.notify(
        session,
        org_id=org_id,
        person_ids=route.manager_ids,
        kind=NotificationKind.INSIGHT_ASSIGNED,
        insight_id=insight_id,
        data={"excerpt": excerpt(row.text), "kind": row.kind.value},
        exclude=row.author_id,
    )
    return True
