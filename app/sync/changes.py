"""The reporter's "changes since" feed: what happened to their own insights and which
notifications arrived, from a cursor, so a phone stays in sync with one cheap request.

Positions are (writing transaction, row id). A row is handed out only once every
transaction older than its writer has finished (its transaction id is below the oldest
running one, pg_snapshot_xmin), so a transaction that commits late can never slip in
behind a cursor already given out.
"""

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.loop import followup
from app.notify import service as notify
from app.org.principal import Principal
from app.platform.pagination import check_limit, encode_cursor, read_cursor
from app.sync.schemas import ChangesOut

_EVENTS = text(
    """
    SELECT e.txid::text AS txid, e.id, e.insight_id
    FROM insight_events e
    JOIN insights i ON i.org_id = e.org_id AND i.id = e.insight_id
    WHERE e.org_id = :org_id AND i.author_id = :person_id
      AND (e.txid, e.id) > (CAST(:txid AS xid8), :id)
      AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY e.txid, e.id
    LIMIT :limit
    """
)
_NOTIFICATIONS = text(
    """
    SELECT n.txid::text AS txid, n.id
    FROM notifications n
    WHERE n.org_id = :org_id AND n.person_id = :person_id
      AND (n.txid, n.id) > (CAST(:txid AS xid8), :id)
      AND n.txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY n.txid, n.id
    LIMIT :limit
    """
)
_START = {"et": 0, "ei": 0, "nt": 0, "ni": uuid.UUID(int=0)}


def _txid(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("a transaction id is not negative")
    return number


async def changes(
    session: AsyncSession, actor: Principal, *, cursor: str | None, limit: int = 50
) -> ChangesOut:
    """Up to `limit` timeline entries of the caller's insights and `limit` notifications
    after `cursor` (from the beginning without one)."""
    check_limit(limit)
    position = read_cursor(cursor, et=_txid, ei=int, nt=_txid, ni=uuid.UUID) or dict(_START)
    who = {"org_id": actor.org_id, "person_id": actor.person_id, "limit": limit + 1}
    events = (
        await session.execute(_EVENTS, {**who, "txid": position["et"], "id": position["ei"]})
    ).all()
    notes = (
        await session.execute(_NOTIFICATIONS, {**who, "txid": position["nt"], "id": position["ni"]})
    ).all()
    has_more = len(events) > limit or len(notes) > limit
    events, notes = events[:limit], notes[:limit]
    if events:
        position["et"], position["ei"] = int(events[-1].txid), events[-1].id
    if notes:
        position["nt"], position["ni"] = int(notes[-1].txid), notes[-1].id
    changed = list(dict.fromkeys(row.insight_id for row in events))
    return ChangesOut(
        insights=await followup.my_insights_by_id(session, actor, changed),
        notifications=await notify.notifications_by_id(session, actor, [n.id for n in notes]),
        next_cursor=encode_cursor({k: str(v) for k, v in position.items()}),
        has_more=has_more,
    )
