"""Re-clustering runs: asked for by a manager or due by the schedule, run by a worker, with
their progress in `clustering_runs` for anyone who watches.

An organisation is due a run when none ran for a day and insights arrived since, or when
the insights waiting for a theme reach `UNTHEMED_TRIGGER`. One run per organisation at a
time: a request while one is queued or running returns that one.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.themes import policies, reclustering
from app.themes.models import ClusteringRun
from app.themes.schemas import ClusteringRunOut, RunState

log = logging.getLogger(__name__)

_runs = table(ClusteringRun)
_r = _runs.c

# A daily run, and an earlier one when this many embedded insights have no theme yet.
RUN_EVERY = timedelta(days=1)
UNTHEMED_TRIGGER = 200
# A run whose worker died is taken again after this long without progress.
STALLED_AFTER = timedelta(minutes=30)

_ACTIVE = select(_runs).where(
    _r.org_id == bindparam("org_id"), _r.state.in_([RunState.QUEUED, RunState.RUNNING])
)
# Organisations due a run: named reporting SQL (see the module's docstring for the rule).
_DUE = text(
    """
    SELECT o.id AS org_id
    FROM organisations o
    WHERE NOT EXISTS (
        SELECT FROM clustering_runs r
        WHERE r.org_id = o.id AND r.state IN ('queued', 'running')
    )
    AND EXISTS (
        SELECT FROM insight_embeddings e
        WHERE e.org_id = o.id AND e.created_at > coalesce(
            (SELECT max(r.created_at) FROM clustering_runs r WHERE r.org_id = o.id),
            '-infinity'
        )
        AND (
            coalesce(
                (SELECT max(r.created_at) FROM clustering_runs r WHERE r.org_id = o.id),
                '-infinity'
            ) < :day_ago
            OR (
                SELECT count(*) FROM insight_embeddings u
                WHERE u.org_id = o.id AND NOT EXISTS (
                    SELECT FROM theme_members m
                    WHERE m.org_id = u.org_id AND m.insight_id = u.insight_id
                )
            ) >= :unthemed
        )
    )
    """
)
_NEXT = (
    select(_runs)
    .where(
        (_r.state == RunState.QUEUED)
        | ((_r.state == RunState.RUNNING) & (_r.started_at < bindparam("stalled_before")))
    )
    .order_by(_r.created_at)
    .limit(1)
    .with_for_update(skip_locked=True)
)


def _out(run: Any) -> ClusteringRunOut:
    return ClusteringRunOut(
        id=run.id,
        state=RunState(run.state),
        step=run.step,
        done=run.done,
        total=run.total,
        result=run.result,
        error=run.error,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


async def _queue(
    session: AsyncSession, org_id: uuid.UUID, requested_by: uuid.UUID | None, now: datetime
) -> Row[Any]:
    inserted = _runs.insert().returning(*_runs.c)
    values = {
        "org_id": org_id,
        "id": uuid.uuid4(),
        "requested_by": requested_by,
        "state": RunState.QUEUED,
        "created_at": now,
    }
    return (await session.execute(inserted, values)).one()


async def request_run(session: AsyncSession, actor: Principal) -> tuple[ClusteringRunOut, bool]:
    """Queue a re-clustering of the caller's organisation; returns it and whether it is new
    (a queued or running one is returned as it is)."""
    policies.require_curator(actor)
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"clustering:{actor.org_id}")))
    )
    active = (await session.execute(_ACTIVE, {"org_id": actor.org_id})).first()
    if active is not None:
        return _out(active), False
    return _out(await _queue(session, actor.org_id, actor.person_id, clock.now())), True


async def list_runs(session: AsyncSession, actor: Principal) -> list[ClusteringRunOut]:
    """The organisation's latest runs, newest first."""
    policies.require_reader(actor)
    found = await session.execute(
        select(_runs).where(_r.org_id == actor.org_id).order_by(_r.created_at.desc()).limit(20)
    )
    return [_out(r) for r in found]


async def queue_due(session: AsyncSession, *, now: datetime) -> int:
    """Queue a run for every organisation the schedule says is due."""
    due = await session.execute(_DUE, {"day_ago": now - RUN_EVERY, "unthemed": UNTHEMED_TRIGGER})
    org_ids = [r.org_id for r in due]
    for org_id in org_ids:
        await _queue(session, org_id, None, now)
    return len(org_ids)


async def run_next(sessions: Callable[[], Any], *, model: str) -> ClusteringRunOut | None:
    """Take the oldest queued run (or a stalled one) and carry it out, writing its progress
    as it goes. Returns the finished run, or None when nothing waits."""
    async with sessions() as session, session.begin():
        now = clock.now()
        run = (await session.execute(_NEXT, {"stalled_before": now - STALLED_AFTER})).first()
        if run is None:
            return None
        await session.execute(
            update(_runs)
            .where(_r.org_id == run.org_id, _r.id == run.id)
            .values(state=RunState.RUNNING, started_at=now, step="reading", done=0, total=0)
        )
    org_id, run_id = run.org_id, run.id

    async def progress(step: str, done: int, total: int) -> None:
        async with sessions() as session, session.begin():
            await session.execute(
                update(_runs)
                .where(_r.org_id == org_id, _r.id == run_id)
                .values(step=step, done=done, total=total)
            )

    try:
        outcome = await reclustering.recluster(sessions, org_id, model=model, progress=progress)
    except Exception as exc:
        log.exception("re-clustering %s failed", run_id)
        async with sessions() as session, session.begin():
            await session.execute(
                update(_runs)
                .where(_r.org_id == org_id, _r.id == run_id)
                .values(state=RunState.FAILED, error=type(exc).__name__, finished_at=clock.now())
            )
        raise
    async with sessions() as session, session.begin():
        await session.execute(
            update(_runs)
            .where(_r.org_id == org_id, _r.id == run_id)
            .values(state=RunState.FINISHED, result=outcome.as_dict(), finished_at=clock.now())
        )
        finished = (
            await session.execute(select(_runs).where(_r.org_id == org_id, _r.id == run_id))
        ).one()
    return _out(finished)


async def record_finished(
    session: AsyncSession, org_id: uuid.UUID, result: dict[str, Any], *, now: datetime
) -> None:
    """Record a run carried out outside the queue (the `insight themes` command)."""
    await session.execute(
        _runs.insert().values(
            org_id=org_id,
            id=uuid.uuid4(),
            state=RunState.FINISHED,
            step="writing",
            result=result,
            created_at=now,
            started_at=now,
            finished_at=now,
        )
    )
