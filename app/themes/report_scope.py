"""What a theme report covers: who may read it, over which units and period, and the rows it
counts (`FACTS`).

A report counts the insights posted in the period that belong to an active theme and show a
unit of the chosen subtree. Everywhere a unit is counted or shown it is the insight's
`shown_unit_id`, so a confidential reporter's own unit never appears (as in the listening
metrics, `app.analytics.service`). Merged duplicates are left out: they follow their parent.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import policies as reading
from app.insights.policies import OPEN_STATUSES
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.platform import clock
from app.platform.errors import InvalidInput
from app.platform.i18n import Locale
from app.themes import policies
from app.themes.report_schemas import StageRef, ThemeRef, ThemeReportQuery, WeekCount

DEFAULT_PERIOD = timedelta(days=90)
# Two years of weekly trends is about as much as one chart can show.
MAX_PERIOD = timedelta(days=2 * 366)

OPEN = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class ReportScope:
    unit: UnitRef
    start: datetime
    end: datetime
    now: datetime
    locale: Locale
    # The bind parameters of `FACTS`.
    params: dict[str, Any]


def report_period(query: ThemeReportQuery, now: datetime) -> tuple[datetime, datetime]:
    end = query.end or now
    start = query.start or end - DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput("The period must end after it starts.", code="invalid_period")
    if end - start > MAX_PERIOD:
        raise InvalidInput("A report covers at most two years.", code="invalid_period")
    return start, end


async def report_scope(
    session: AsyncSession, actor: Principal, query: ThemeReportQuery
) -> ReportScope:
    """403 `not_a_reader` for frontline staff; 404 for a unit out of the caller's reading
    scope; 422 `unit_required` (several separate scopes and no unit) and `invalid_period`."""
    policies.require_reader(actor)
    now = clock.now()
    start, end = report_period(query, now)
    unit = await org_service.get_unit(
        session, actor, query.unit_id or reading.default_unit_id(actor)
    )
    reading.require_scope(actor, unit.path)
    return ReportScope(
        unit=UnitRef(id=unit.id, name=unit.name),
        start=start,
        end=end,
        now=now,
        locale=actor.locale,
        params={
            "org_id": actor.org_id,
            "unit_id": unit.id,
            "subtree": unit.path + "%",
            # The chosen unit's children are the second path segment below it (1-based).
            "child_segment": unit.depth + 2,
            "start": start,
            "end": end,
            "now": now,
        },
    )


def facts(*, one_theme: bool = False) -> str:
    """A `WITH` clause defining `facts`: one row per insight the report counts, with the
    unit it shows (`unit_id`), the nearest store at or above that unit (`store_id`, null
    above every store) and the chosen unit's child holding it (`group_id`, the chosen unit
    itself for insights shown right there).

    The units of the subtree come by prefix on `ix_units_org_id_path`, each with its store
    found once (materialised: not once per insight) by primary key along its path; their
    insights by
    `ix_insights_shown_unit`, memberships by their primary key. With `one_theme`, bind
    `theme_id` too."""
    only = "AND tm.theme_id = CAST(:theme_id AS uuid)" if one_theme else ""
    return f"""
WITH scope AS MATERIALIZED (
  SELECT u.id AS unit_id,
    (SELECT s.id
     FROM unnest(CAST(string_to_array(rtrim(u.path, '/'), '/') AS uuid[]))
       WITH ORDINALITY AS above(id, level)
     JOIN units s ON s.org_id = u.org_id AND s.id = above.id
     WHERE s.kind = 'store'
     ORDER BY above.level DESC LIMIT 1) AS store_id,
    coalesce(
      (CAST(string_to_array(rtrim(u.path, '/'), '/') AS uuid[]))[CAST(:child_segment AS int)],
      CAST(:unit_id AS uuid)) AS group_id
  FROM units u
  WHERE u.org_id = CAST(:org_id AS uuid) AND u.path LIKE CAST(:subtree AS text)
),
facts AS (
  SELECT i.id AS insight_id, tm.theme_id, i.author_id, scope.unit_id, scope.store_id,
         scope.group_id, i.journey_stage, i.customer_impact, i.customers_affected,
         i.endorsement_count, i.status, i.created_at, i.acknowledged_at, i.closed_at,
         i.status IN ({OPEN}) AS is_open
  FROM scope
  JOIN insights i ON i.org_id = CAST(:org_id AS uuid) AND i.shown_unit_id = scope.unit_id
  JOIN theme_members tm ON tm.org_id = i.org_id AND tm.insight_id = i.id
  JOIN themes t ON t.org_id = tm.org_id AND t.id = tm.theme_id
  WHERE i.created_at >= CAST(:start AS timestamptz) AND i.created_at < CAST(:end AS timestamptz)
    AND i.status <> 'merged' AND t.status = 'active' {only}
)
"""


_THEME_NAMES = text(
    """
SELECT id, name_fi, name_en, label_fi, label_en FROM themes
WHERE org_id = CAST(:org_id AS uuid) AND id = ANY (CAST(:ids AS uuid[]))
"""
)

_STAGES = text(
    """
SELECT key, label_fi, label_en, active FROM journey_stages
WHERE org_id = CAST(:org_id AS uuid)
ORDER BY position, key
"""
)


def theme_ref(row: Any, locale: Locale) -> ThemeRef:
    """A theme as readers see it: a manager's name wins over the label made from its words."""
    if locale is Locale.FI:
        return ThemeRef(id=row.id, name=row.name_fi or row.label_fi)
    return ThemeRef(id=row.id, name=row.name_en or row.label_en)


async def theme_refs(
    session: AsyncSession, scope: ReportScope, ids: set[uuid.UUID]
) -> dict[uuid.UUID, ThemeRef]:
    if not ids:
        return {}
    rows = await session.execute(_THEME_NAMES, {"org_id": scope.params["org_id"], "ids": list(ids)})
    return {row.id: theme_ref(row, scope.locale) for row in rows}


NO_STAGE = StageRef(key=None, label=None)


async def stage_refs(
    session: AsyncSession, scope: ReportScope, used: set[str | None]
) -> list[StageRef]:
    """The journey stages in taxonomy order (a retired one only when insights use it), then
    the row of insights without a stage."""
    rows = await session.execute(_STAGES, {"org_id": scope.params["org_id"]})
    stages = [
        StageRef(key=r.key, label=r.label_fi if scope.locale is Locale.FI else r.label_en)
        for r in rows
        if r.active or r.key in used
    ]
    return [*stages, NO_STAGE]


def week_of(moment: datetime) -> date:
    """The Monday of the ISO week holding `moment`, in UTC."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly(start: datetime, end: datetime, counts: dict[date, int]) -> list[WeekCount]:
    """Every ISO week from the one holding `start` to the one holding the period's last
    instant, with its count (0 when nothing was posted)."""
    week, last = week_of(start), week_of(end - timedelta(microseconds=1))
    result = []
    while week <= last:
        year, number, _ = week.isocalendar()
        result.append(
            WeekCount(week=f"{year}-W{number:02d}", start=week, insights=counts.get(week, 0))
        )
        week += timedelta(days=7)
    return result
