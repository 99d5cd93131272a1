"""Escalation: a missed deadline moves an insight one level up the unit tree, to the
nearest managers above its owners, with fresh deadlines; at the top it stops, once."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    and_,
    any_,
    bindparam,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import EventType, Insight, InsightEvent, InsightStatus
from app.insights.policies import OPEN_STATUSES
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import policies as org_policies
from app.org.models import Person, RoleGrant, Unit, ancestor_ids
from app.platform import request_ids
from app.platform.db import table


@dataclass(frozen=True, slots=True)
class EscalationReport:
    # Insights moved one level up, and those that missed a deadline at the top.
    escalated: int
    stopped: int


_units, _grants, _people = table(Unit), table(RoleGrant), table(Person)
_g, _p = _grants.c, _people.c
_insights = table(Insight)
_ic = _insights.c


def _status_is(*statuses: InsightStatus) -> ColumnElement[bool]:
    # Written into the statement, so that the planner sees the partial indexes' conditions.
    written = [literal(s, _ic.status.type, literal_execute=True) for s in statuses]
    return _ic.status == written[0] if len(written) == 1 else _ic.status.in_(written)


# Open insights past a deadline they can still escalate on, locked; rows another transaction
# holds are skipped, so two escalators never take the same insight. With each, the nearest
# unit above its owner that has active managers, and those managers.
_now = bindparam("now", type_=DateTime(timezone=True))
_due = (
    select(
        _ic.org_id,
        _ic.id,
        _ic.owner_unit_id,
        _ic.status,
        _ic.ack_due_at,
        _ic.respond_due_at,
        _ic.ack_minutes,
        _ic.respond_minutes,
        _ic.escalation_level,
        _ic.text,
        _ic.kind,
    )
    .where(
        _ic.escalation_stopped_at.is_(None),
        or_(
            and_(_status_is(InsightStatus.NEW), _ic.ack_due_at < _now),
            and_(_status_is(*OPEN_STATUSES), _ic.respond_due_at < _now),
        ),
    )
    .limit(bindparam("limit"))
    .with_for_update(of=_insights, skip_locked=True)
    .cte("due")
)
_owner, _above = _units.alias("o"), _units.alias("a")
_up = (
    select(
        _above.c.id,
        _above.c.name,
        func.array_agg(distinct(_g.person_id)).label("manager_ids"),
    )
    .select_from(
        _above.join(
            _grants,
            and_(
                _g.org_id == _above.c.org_id,
                _g.unit_id == _above.c.id,
                org_policies.answers_for_unit(_g.role),
            ),
        ).join(_people, and_(_p.org_id == _g.org_id, _p.id == _g.person_id, _p.active))
    )
    .where(
        _above.c.org_id == _due.c.org_id,
        _above.c.id == any_(ancestor_ids(_owner.c.path)),
        _above.c.depth < _owner.c.depth,
    )
    .group_by(_above.c.id, _above.c.name, _above.c.depth)
    .order_by(_above.c.depth.desc())
    .limit(1)
    .lateral("up")
)
_DUE = select(
    _due,
    _owner.c.name.label("from_name"),
    _up.c.id.label("to_unit_id"),
    _up.c.name.label("to_name"),
    _up.c.manager_ids,
).select_from(
    _due.join(
        _owner, and_(_owner.c.org_id == _due.c.org_id, _owner.c.id == _due.c.owner_unit_id)
    ).outerjoin(_up, true())
)

_MOVE = (
    update(_insights)
    .where(_ic.org_id == bindparam("k_org"), _ic.id == bindparam("k_id"))
    .values(
        {
            _ic.owner_unit_id: bindparam("v_owner"),
            _ic.ack_due_at: bindparam("v_ack_due"),
            _ic.respond_due_at: bindparam("v_respond_due"),
            _ic.escalation_level: bindparam("v_level"),
            _ic.escalation_stopped_at: bindparam("v_stopped"),
            _ic.version: _ic.version + 1,
            _ic.updated_at: bindparam("v_now"),
        }
    )
)

ESCALATION_BATCH = 100


async def escalate_overdue(
    session: AsyncSession, *, now: datetime, limit: int = ESCALATION_BATCH
) -> EscalationReport:
    """Move up to `limit` insights whose owners missed a deadline to the managers one level
    up, with fresh deadlines, notifying them; an insight already at the top is marked once
    and left. Each insight is taken by one caller only, and leaves the overdue set in the
    same transaction, so committing this never escalates an insight twice."""
    rows = (await session.execute(_DUE, {"now": now, "limit": limit})).all()
    if not rows:
        return EscalationReport(escalated=0, stopped=0)
    moves: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    escalated = 0
    for row in rows:
        if row.status == InsightStatus.NEW and row.ack_due_at < now:
            missed, deadline = "acknowledge", row.ack_due_at
        else:
            missed, deadline = "respond", row.respond_due_at
        move = {
            "k_org": row.org_id,
            "k_id": row.id,
            "v_owner": row.owner_unit_id,
            "v_ack_due": row.ack_due_at,
            "v_respond_due": row.respond_due_at,
            "v_level": row.escalation_level,
            "v_stopped": None,
            "v_now": now,
        }
        event: dict[str, Any] = {
            "org_id": row.org_id,
            "insight_id": row.id,
            "actor_id": None,
            "created_at": now,
        }
        data: dict[str, Any] = {
            "deadline_missed": missed,
            "due_at": deadline.isoformat(),
            "from_unit_id": str(row.owner_unit_id),
            "from_unit": row.from_name,
        }
        if row.to_unit_id is None:
            move["v_stopped"] = now
            event |= {"type": EventType.ESCALATION_STOPPED, "data": request_ids.stamped(data)}
        else:
            escalated += 1
            if row.status == InsightStatus.NEW:
                move["v_ack_due"] = now + timedelta(minutes=row.ack_minutes)
            move |= {
                "v_owner": row.to_unit_id,
                "v_respond_due": now + timedelta(minutes=row.respond_minutes),
                "v_level": row.escalation_level + 1,
            }
            data |= {
                "to_unit_id": str(row.to_unit_id),
                "to_unit": row.to_name,
                "level": row.escalation_level + 1,
                "managers": len(row.manager_ids),
                "ack_due_at": move["v_ack_due"].isoformat(),
                "respond_due_at": move["v_respond_due"].isoformat(),
            }
            event |= {"type": EventType.ESCALATED, "data": request_ids.stamped(data)}
        moves.append(move)
        events.append(event)
    await session.execute(_MOVE, moves)
    await session.execute(insert(table(InsightEvent)), events)
    for row in rows:
        if row.to_unit_id is not None:
            await notify_service.notify(
                session,
                org_id=row.org_id,
                person_ids=row.manager_ids,
                kind=NotificationKind.INSIGHT_ESCALATED,
                insight_id=row.id,
                data={
                    "excerpt": excerpt(row.text),
                    "kind": row.kind,
                    "from_unit": row.from_name,
                    "to_unit": row.to_name,
                },
            )
    return EscalationReport(escalated=escalated, stopped=len(rows) - escalated)
