"""The reporter's "changes since" feed: what happened to their own insights and which
notifications arrived, from a cursor, so a phone stays in sync with one cheap request.

Positions are (writing transaction, row id). A row is handed out only once every
transaction older than its writer has finished (its transaction id is below the oldest
running one, pg_snapshot_xmin), so a transaction that commits late can never slip in
behind a cursor already given out.
"""

import uuid
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, tuple_
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight, InsightEvent
from app.loop import followup
from app.notify import service as notify
from app.notify.models import Notification
from app.org.principal import Principal
from app.platform.db import Xid8, table
from app.platform.pagination import check_limit, encode_cursor, read_cursor
from app.sync.schemas import ChangesOut

# Transactions older than every running one: rows they wrote can no longer appear behind.
_SETTLED = func.pg_snapshot_xmin(func.pg_current_snapshot())
_AFTER = tuple_(sql_cast(bindparam("txid"), Xid8()), bindparam("id"))

_events, _insights, _notifications = table(InsightEvent), table(Insight), table(Notification)
_e, _i, _n = _events.c, _insights.c, _notifications.c

_EVENTS: Select[Any] = (
    select(_e.txid, _e.id, _e.insight_id)
    .join_from(_events, _insights, and_(_i.org_id == _e.org_id, _i.id == _e.insight_id))
    .where(
        _e.org_id == bindparam("org_id"),
        _i.author_id == bindparam("person_id"),
        tuple_(_e.txid, _e.id) > _AFTER,
        _e.txid < _SETTLED,
    )
    .order_by(_e.txid, _e.id)
    .limit(bindparam("limit"))
)
_NOTIFICATIONS: Select[Any] = (
    select(_n.txid, _n.id)
    .where(
        _n.org_id == bindparam("org_id"),
        _n.person_id == bindparam("person_id"),
        tuple_(_n.txid, _n.id) > _AFTER,
        _n.txid < _SETTLED,
    )
    .order_by(_n.txid, _n.id)
    .limit(bindparam("limit"))
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
