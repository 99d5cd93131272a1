"""Escalation: a missed deadline moves an insight one level up the unit tree, to the
nearest managers above its owners, with fresh deadlines; at the top it stops, once."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import EventType, Insight, InsightEvent, InsightStatus
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.platform.db import table


@dataclass(frozen=True, slots=True)
class EscalationReport:
    # Insights moved one level up, and those that missed a deadline at the top.
    escalated: int
    stopped: int


# Open insights past a deadline they can still escalate on, locked; rows another transaction
# holds are skipped, so two escalators never take the same insight. With each, the nearest
# unit above its owner that has active managers, and those managers.
_DUE = text(
    """
    WITH due AS (
      SELECT i.org_id, i.id, i.owner_unit_id, i.status, i.ack_due_at, i.respond_due_at,
             i.ack_hours, i.respond_hours, i.escalation_level, i.text, i.kind
      FROM insights i
      WHERE i.escalation_stopped_at IS NULL
        AND ((i.status = 'new' AND i.ack_due_at < :now)
             OR (i.status IN ('new', 'acknowledged', 'in_progress') AND i.respond_due_at < :now))
      LIMIT :limit
      FOR UPDATE OF i SKIP LOCKED
    )
    SELECT due.*, o.name AS from_name, up.id AS to_unit_id, up.name AS to_name,
           up.manager_ids
    FROM due
    JOIN units o ON o.org_id = due.org_id AND o.id = due.owner_unit_id
    LEFT JOIN LATERAL (
      SELECT a.id, a.name, array_agg(DISTINCT g.person_id) AS manager_ids
      FROM units a
      JOIN role_grants g ON g.org_id = a.org_id AND g.unit_id = a.id AND g.role = 'manager'
      JOIN people p ON p.org_id = g.org_id AND p.id = g.person_id AND p.active
      WHERE a.org_id = due.org_id
        AND a.id = ANY (string_to_array(rtrim(o.path, '/'), '/')::uuid[])
        AND a.depth < o.depth
      GROUP BY a.id, a.name, a.depth
      ORDER BY a.depth DESC
      LIMIT 1
    ) up ON true
    """
)

_insights = table(Insight)

_ic = _insights.c

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
            event |= {"type": EventType.ESCALATION_STOPPED, "data": data}
        else:
            escalated += 1
            if row.status == InsightStatus.NEW:
                move["v_ack_due"] = now + timedelta(hours=row.ack_hours)
            move |= {
                "v_owner": row.to_unit_id,
                "v_respond_due": now + timedelta(hours=row.respond_hours),
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
            event |= {"type": EventType.ESCALATED, "data": data}
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
