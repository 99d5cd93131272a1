"""Themes along the customer journey: where in the journey each theme arises, and how long
its insights wait in each status.

Time in a status comes from the insight's timeline: it enters `new` when posted, and
`acknowledged`, `in_progress`, `resolved` or `declined` with the event of that name. Each
status lasts until the next one begins; an open insight's current status counts up to now.
An insight whose timeline has no status event (written before the timeline recorded them)
falls back on its columns: `new` until `acknowledged_at` (or `closed_at`), then its current
status if it is open, or `acknowledged` until `closed_at` if it was closed later.
"""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import ActionStatus
from app.insights.models import InsightStatus
from app.insights.policies import OPEN_STATUSES
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.themes.report_schemas import (
    ActionStall,
    DominantStages,
    JourneyCell,
    JourneyMatrix,
    StageRef,
    StageShare,
    StageStatusTimes,
    StatusDuration,
    StatusTimes,
    ThemeReportQuery,
    ThemeStatusTimes,
)
from app.themes.report_scope import (
    OPEN,
    facts,
    report_scope,
    stage_refs,
    theme_refs,
)

DOMINANT_STAGES = 2
OPEN_ACTIONS = ", ".join(f"'{s.value}'" for s in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS))

_CELLS = text(
    facts()
    + """
SELECT journey_stage, theme_id, group_id, count(*) AS insights
FROM facts
GROUP BY journey_stage, theme_id, group_id
"""
)

# Each insight and group twice: by journey stage, and by theme.
_GROUPS = "(VALUES ('stage', f.journey_stage), ('theme', CAST(f.theme_id AS text))) AS g(dim, key)"

_STATUS_TIMES = text(
    facts()
    + f"""
, status_events AS (
  SELECT ev.insight_id, ev.type, ev.created_at
  FROM facts f
  JOIN insight_events ev ON ev.org_id = CAST(:org_id AS uuid) AND ev.insight_id = f.insight_id
  WHERE ev.type IN ('acknowledged', 'started', 'resolved', 'declined')
),
entered AS (
  SELECT f.insight_id, 'new' AS status, f.created_at AS at FROM facts f
  UNION ALL
  SELECT insight_id, CASE type WHEN 'started' THEN 'in_progress' ELSE type END, created_at
  FROM status_events
  UNION ALL
  SELECT f.insight_id, CASE WHEN f.is_open THEN f.status ELSE 'acknowledged' END,
         f.acknowledged_at
  FROM facts f
  WHERE f.acknowledged_at IS NOT NULL AND f.acknowledged_at < coalesce(f.closed_at, 'infinity')
    AND NOT EXISTS (SELECT FROM status_events se WHERE se.insight_id = f.insight_id)
  UNION ALL
  SELECT f.insight_id, f.status, f.closed_at FROM facts f
  WHERE f.closed_at IS NOT NULL
    AND NOT EXISTS (SELECT FROM status_events se WHERE se.insight_id = f.insight_id)
),
spans AS (
  SELECT insight_id, status, at,
    lead(at) OVER (
      PARTITION BY insight_id
      ORDER BY at, array_position(
        array['new', 'acknowledged', 'in_progress', 'resolved', 'declined'], status)) AS until
  FROM entered
),
timed AS (
  SELECT s.insight_id, s.status,
    sum(CAST(extract(epoch FROM coalesce(s.until, f.closed_at, CAST(:now AS timestamptz)) - s.at)
             AS float8)) AS seconds
  FROM spans s JOIN facts f ON f.insight_id = s.insight_id
  WHERE s.status IN ({OPEN})
  GROUP BY s.insight_id, s.status
)
SELECT g.dim, g.key, t.status, count(*) AS n,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY t.seconds) AS median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY t.seconds) AS p90
FROM timed t JOIN facts f ON f.insight_id = t.insight_id CROSS JOIN LATERAL {_GROUPS}
GROUP BY g.dim, g.key, t.status
UNION ALL
SELECT g.dim, g.key, NULL, count(*), NULL, NULL
FROM facts f CROSS JOIN LATERAL {_GROUPS}
GROUP BY g.dim, g.key
"""
)

# Actions linked to the group's insights, each once per group; overdue by the date in UTC.
_ACTION_STALLS = text(
    facts()
    + f"""
, linked AS (
  SELECT DISTINCT g.dim, g.key, a.id, a.status IN ({OPEN_ACTIONS}) AS is_open,
         a.due_on, a.created_at
  FROM facts f
  JOIN action_insights ai ON ai.org_id = CAST(:org_id AS uuid) AND ai.insight_id = f.insight_id
  JOIN actions a ON a.org_id = ai.org_id AND a.id = ai.action_id
  CROSS JOIN LATERAL {_GROUPS}
)
SELECT dim, key,
  count(*) FILTER (WHERE is_open) AS open,
  count(*) FILTER (
    WHERE is_open AND due_on < CAST(CAST(:now AS timestamptz) AT TIME ZONE 'UTC' AS date))
    AS overdue,
  percentile_cont(0.5) WITHIN GROUP (
    ORDER BY CAST(extract(epoch FROM CAST(:now AS timestamptz) - created_at) AS float8))
    FILTER (WHERE is_open) AS median_age
FROM linked
GROUP BY dim, key
"""
)


async def journey_matrix(
    session: AsyncSession, actor: Principal, query: ThemeReportQuery
) -> JourneyMatrix:
    """Insights by journey stage × theme, the same per child unit of the chosen unit, and
    each theme's dominant stages; see `report_scope.report_scope` for the errors."""
    scope = await report_scope(session, actor, query)
    cells = (await session.execute(_CELLS, scope.params)).all()
    totals: dict[tuple[str | None, uuid.UUID], int] = defaultdict(int)
    per_theme: dict[uuid.UUID, int] = defaultdict(int)
    for c in cells:
        totals[c.journey_stage, c.theme_id] += c.insights
        per_theme[c.theme_id] += c.insights
    themes = await theme_refs(session, scope, set(per_theme))
    columns = sorted(themes.values(), key=lambda t: (-per_theme[t.id], t.name, t.id))
    stages = await stage_refs(session, scope, {stage for stage, _ in totals})
    units = await org_service.unit_names(session, actor.org_id, {c.group_id for c in cells})
    return JourneyMatrix(
        unit=scope.unit,
        start=scope.start,
        end=scope.end,
        stages=stages,
        themes=columns,
        counts=[[totals.get((s.key, t.id), 0) for t in columns] for s in stages],
        by_unit=sorted(
            (
                JourneyCell(
                    stage=c.journey_stage,
                    theme_id=c.theme_id,
                    unit=UnitRef(id=c.group_id, name=units[c.group_id]),
                    insights=c.insights,
                )
                for c in cells
            ),
            key=lambda c: (c.unit.name, str(c.unit.id), str(c.theme_id), c.stage or ""),
        ),
        dominant_stages=[
            DominantStages(theme=theme, stages=_dominant(theme.id, stages, totals, per_theme))
            for theme in columns
        ],
    )


def _dominant(
    theme_id: uuid.UUID,
    stages: list[StageRef],
    totals: dict[tuple[str | None, uuid.UUID], int],
    per_theme: dict[uuid.UUID, int],
) -> list[StageShare]:
    """The theme's stages with most insights (insights without a stage name none), ties in
    taxonomy order; shares are of all the theme's insights."""
    named = [(s, totals.get((s.key, theme_id), 0)) for s in stages if s.key is not None]
    ranked = sorted((item for item in named if item[1]), key=lambda item: -item[1])
    return [
        StageShare(stage=stage, insights=n, share=n / per_theme[theme_id])
        for stage, n in ranked[:DOMINANT_STAGES]
    ]


_TIMED_STATUSES = tuple(OPEN_STATUSES)


def _durations(rows: list[Any]) -> list[StatusDuration]:
    found = {InsightStatus(r.status): r for r in rows}
    return [
        StatusDuration(
            status=status,
            count=found[status].n if status in found else 0,
            median_seconds=found[status].median if status in found else None,
            p90_seconds=found[status].p90 if status in found else None,
        )
        for status in _TIMED_STATUSES
    ]


def _stall(row: Any | None) -> ActionStall:
    if row is None:
        return ActionStall(open=0, overdue=0, median_open_age_seconds=None)
    return ActionStall(open=row.open, overdue=row.overdue, median_open_age_seconds=row.median_age)


async def status_times(
    session: AsyncSession, actor: Principal, query: ThemeReportQuery
) -> StatusTimes:
    """Time spent in `new`, `acknowledged` and `in_progress` (count, median, p90 seconds)
    and the open and overdue actions, by journey stage and by theme; see
    `report_scope.report_scope` for the errors."""
    scope = await report_scope(session, actor, query)
    rows = (await session.execute(_STATUS_TIMES, scope.params)).all()
    stalls = {(r.dim, r.key): r for r in await session.execute(_ACTION_STALLS, scope.params)}
    insights: dict[tuple[str, str | None], int] = {}
    timed: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
    for r in rows:
        if r.status is None:
            insights[r.dim, r.key] = r.n
        else:
            timed[r.dim, r.key].append(r)
    theme_ids = {uuid.UUID(key) for dim, key in insights if dim == "theme" and key}
    themes = await theme_refs(session, scope, theme_ids)
    used = {key for dim, key in insights if dim == "stage"}
    return StatusTimes(
        unit=scope.unit,
        start=scope.start,
        end=scope.end,
        by_stage=[
            StageStatusTimes(stage=stage, **_group(("stage", stage.key), insights, timed, stalls))
            for stage in await stage_refs(session, scope, used)
            if ("stage", stage.key) in insights
        ],
        by_theme=[
            ThemeStatusTimes(
                theme=themes[key], **_group(("theme", str(key)), insights, timed, stalls)
            )
            for key in sorted(themes, key=lambda k: (-insights["theme", str(k)], themes[k].name))
        ],
    )


def _group(
    key: tuple[str, str | None],
    insights: dict[tuple[str, str | None], int],
    timed: dict[tuple[str, str | None], list[Any]],
    stalls: dict[tuple[str, str | None], Any],
) -> dict[str, Any]:
    return {
        "insights": insights[key],
        "statuses": _durations(timed[key]),
        "actions": _stall(stalls.get(key)),
    }
