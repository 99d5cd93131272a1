"""Listening metrics, computed in PostgreSQL from the insights and their timelines.

Definitions (all durations in seconds from the insight's posting, over insights posted in the
period, merged duplicates left out because they follow their parent):

- time to acknowledge: to the first status change by a manager (`acknowledged_at`); resolving
  or declining straight away acknowledges too.
- time to first action: to the first `action_linked` event.
- time to tell the reporter: to the first `reporter_told` event.
- time to tell the customer: to the first proof of delivery to a consented customer contact
  (`customer_contacts.told_at`); only insights with a contact can have it.
- acknowledged / loop closed within deadline: against the deadlines the insight was routed
  with (posting time + the rule's hours), not the fresh ones an escalation or reassignment
  gives: the promise was made to the reporter when they posted, and moving the insight up the
  tree does not make a late answer punctual. An insight counts once it is judged: done, or
  past that deadline without being done; one still open before its deadline is in neither.
- escalations: `escalated` events; escalated share: insights with at least one.
- open / overdue now: as the inbox shows them at the time of the request.

Per manager, each act belongs to whoever did it: the first status change, the first action
link, the first reporter message, the first customer message that did not fail, the loop
closing. Nothing here names a reporter.
"""

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import policies
from app.analytics.schemas import (
    DurationStats,
    ListeningMetrics,
    ManagerMetrics,
    MetricsBucket,
    MetricsGrouping,
    MetricsQuery,
    Share,
    TrendPoint,
    UnitGroup,
    UnitMetrics,
)
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import PersonRef, UnitRef
from app.platform import clock
from app.platform.db import NO_JIT
from app.platform.errors import InvalidInput

DEFAULT_PERIOD = timedelta(days=30)
# A trend longer than this is no longer readable as one chart.
MAX_BUCKETS = 366
_BUCKET_LENGTH = {MetricsBucket.DAY: 1, MetricsBucket.WEEK: 7, MetricsBucket.MONTH: 28}

# The per-manager breakdown: one row per insight posted in the unit's subtree during the
# period, with who did each act first, at the unit it shows
# (a confidential insight counts where its unit is shown, `policies.shown_unit`, so a
# group of one does not point at its reporter). The subtree is a prefix match on
# `ix_units_org_id_path`; insights come by `ix_insights_shown_unit` (org, shown unit,
# created_at) and their events by `ix_insight_events_insight`.
_FACTS = """
WITH facts AS (
  SELECT i.id AS insight_id, i.shown_unit_id AS unit_id, u.path AS unit_path,
         i.created_at AS posted_at,
         i.created_at + make_interval(mins => i.ack_minutes) AS ack_deadline,
         i.created_at + make_interval(mins => i.respond_minutes) AS respond_deadline,
         i.acknowledged_at, i.loop_closed_at, cc.told_at AS customer_told_at,
         i.status IN ('new', 'acknowledged', 'in_progress') AS is_open,
         i.status IN ('new', 'acknowledged', 'in_progress')
           AND ((i.status = 'new' AND i.ack_due_at < CAST(:now AS timestamptz))
                OR i.respond_due_at < CAST(:now AS timestamptz)) AS is_overdue,
         e.*
  FROM units u
  JOIN insights i ON i.org_id = u.org_id AND i.shown_unit_id = u.id
  LEFT JOIN customer_contacts cc ON cc.org_id = i.org_id AND cc.insight_id = i.id
  CROSS JOIN LATERAL (
    SELECT
      (array_agg(ev.actor_id ORDER BY ev.id) FILTER (
         WHERE ev.type IN ('acknowledged', 'started', 'resolved', 'declined')))[1]
        AS acknowledged_by,
      min(ev.created_at) FILTER (WHERE ev.type = 'action_linked') AS first_action_at,
      (array_agg(ev.actor_id ORDER BY ev.id) FILTER (WHERE ev.type = 'action_linked'))[1]
        AS first_action_by,
      min(ev.created_at) FILTER (WHERE ev.type = 'reporter_told') AS reporter_told_at,
      (array_agg(ev.actor_id ORDER BY ev.id) FILTER (WHERE ev.type = 'reporter_told'))[1]
        AS reporter_told_by,
      (array_agg(ev.actor_id ORDER BY ev.id) FILTER (
         WHERE ev.type = 'customer_told' AND ev.data ->> 'status' <> 'failed'))[1]
        AS customer_told_by,
      (array_agg(ev.actor_id ORDER BY ev.id) FILTER (WHERE ev.type = 'loop_closed'))[1]
        AS loop_closed_by,
      count(*) FILTER (WHERE ev.type = 'escalated') AS escalations
    FROM insight_events ev
    WHERE ev.org_id = i.org_id AND ev.insight_id = i.id
  ) e
  WHERE u.org_id = :org_id AND u.path LIKE :subtree
    AND i.created_at >= CAST(:start AS timestamptz) AND i.created_at < CAST(:end AS timestamptz)
    AND i.status <> 'merged'
)
"""


def _seconds(since: str, until: str) -> str:
    return f"CAST(extract(epoch FROM {until} - {since}) AS float8)"


def _stats(name: str, expr: str, only: str | None = None) -> str:
    where = f" FILTER (WHERE {only})" if only else ""
    return (
        f"count({expr}){where} AS {name}_n, "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {expr}){where} AS {name}_median, "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {expr}){where} AS {name}_p90, "
        f"avg({expr}){where} AS {name}_mean"
    )


_ACK = _seconds("posted_at", "acknowledged_at")
_ACTION = _seconds("posted_at", "first_action_at")
_REPORTER = _seconds("posted_at", "reporter_told_at")
_CUSTOMER = _seconds("posted_at", "customer_told_at")

# Totals, children and trend in one statement over one computation of the facts. The
# subtree is read once from `ix_units_org_id_path` and every unit in it carries the child of
# the chosen unit it lies under (`group_id`, the chosen unit itself for its own), so
# insights are joined on unit ids, not matched by path each (a small subtree's come by
# `ix_insights_shown_unit`; the whole company's by a parallel scan, half of them for a
# year). The timeline facts come one row per insight from
# `insight_timeline_facts`, kept by a trigger on the timeline (migration 0017). One pass
# aggregates the grouping sets: () for the totals, (group_id) for the children and the unit
# itself, (bucket) for the trend. Empty children and buckets are joined in afterwards.
_GROUPED_FACTS = """
WITH scope AS (
  SELECT u.id AS unit_id,
         CASE WHEN u.path = :unit_path THEN u.id
              ELSE CAST(substr(u.path, length(:unit_path) + 1, 32) AS uuid) END AS group_id
  FROM units u
  WHERE u.org_id = :org_id AND u.path LIKE :subtree
), facts AS (
  SELECT s.group_id, {bucket} AS bucket,
         i.id AS insight_id,
         i.created_at + make_interval(mins => i.ack_minutes) AS ack_deadline,
         i.created_at + make_interval(mins => i.respond_minutes) AS respond_deadline,
         i.acknowledged_at, i.loop_closed_at,
         CAST(extract(epoch FROM i.acknowledged_at - i.created_at) AS float8) AS ack_seconds,
         CAST(extract(epoch FROM t.first_action_at - i.created_at) AS float8) AS action_seconds,
         CAST(extract(epoch FROM t.reporter_told_at - i.created_at) AS float8)
           AS reporter_seconds,
         CAST(extract(epoch FROM cc.told_at - i.created_at) AS float8) AS customer_seconds,
         coalesce(t.escalations, 0) AS escalations,
         i.status IN ('new', 'acknowledged', 'in_progress') AS is_open,
         i.status IN ('new', 'acknowledged', 'in_progress')
           AND ((i.status = 'new' AND i.ack_due_at < CAST(:now AS timestamptz))
                OR i.respond_due_at < CAST(:now AS timestamptz)) AS is_overdue
  FROM scope s
  JOIN insights i ON i.org_id = :org_id AND i.shown_unit_id = s.unit_id
  LEFT JOIN insight_timeline_facts t ON t.org_id = i.org_id AND t.insight_id = i.id
  LEFT JOIN customer_contacts cc ON cc.org_id = i.org_id AND cc.insight_id = i.id
  WHERE i.created_at >= CAST(:start AS timestamptz) AND i.created_at < CAST(:end AS timestamptz)
    AND i.status <> 'merged'
), cells AS (
  SELECT {unit_columns}, {time_columns},
    count(*) AS insights,
    {durations},
    count(*) FILTER (WHERE acknowledged_at <= ack_deadline) AS ack_met,
    count(*) FILTER (
      WHERE acknowledged_at IS NOT NULL OR ack_deadline < CAST(:now AS timestamptz)) AS ack_of,
    count(*) FILTER (WHERE loop_closed_at <= respond_deadline) AS loop_met,
    count(*) FILTER (
      WHERE loop_closed_at IS NOT NULL OR respond_deadline < CAST(:now AS timestamptz))
      AS loop_of,
    sum(escalations) AS escalations,
    count(*) FILTER (WHERE escalations > 0) AS escalated_met,
    count(*) AS escalated_of,
    count(*) FILTER (WHERE is_open) AS open_now,
    count(*) FILTER (WHERE is_overdue) AS overdue_now
  FROM facts
  GROUP BY GROUPING SETS ({grouping_sets})
)
SELECT 0 AS part, CAST(NULL AS uuid) AS group_id, CAST(NULL AS text) AS group_name,
       CAST(NULL AS timestamptz) AS bucket_start, cells.*
FROM cells WHERE all_units = 1 AND all_time = 1
{units}{trend}
ORDER BY part, group_name, group_id, bucket_start
"""

_DURATIONS = ",\n    ".join(
    f"count({name}_seconds) AS {name}_n, "
    f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {name}_seconds) AS {name}_pct, "
    f"avg({name}_seconds) AS {name}_mean"
    for name in ("ack", "action", "reporter", "customer")
)

# The chosen unit's children, each with its subtree, empty ones too, and the unit itself
# for what was posted right there (only when something was).
_UNITS_PART = """
UNION ALL
SELECT 1, c.id, c.name, NULL, cells.*
FROM units c
LEFT JOIN cells ON cells.all_units = 0 AND cells.all_time = 1 AND cells.cell_unit = c.id
WHERE c.org_id = :org_id AND c.parent_id = :unit_id
UNION ALL
SELECT 1, cells.cell_unit, CAST(:unit_name AS text), NULL, cells.*
FROM cells WHERE cells.all_units = 0 AND cells.all_time = 1 AND cells.cell_unit = :unit_id"""

# Every bucket of the period, empty ones included, so a chart has no gaps; weeks start on
# Monday and every bucket is cut in UTC.
_TREND_PART = """
UNION ALL
SELECT 2, NULL, NULL, b.start AT TIME ZONE 'UTC', cells.*
FROM generate_series(
  date_trunc(:bucket, CAST(:start AS timestamptz) AT TIME ZONE 'UTC'),
  CAST(:end AS timestamptz) AT TIME ZONE 'UTC' - interval '1 microsecond',
  CAST('1 ' || :bucket AS interval)
) AS b(start)
LEFT JOIN cells ON cells.all_units = 1 AND cells.all_time = 0 AND cells.cell_bucket = b.start"""


@cache
def _grouped(by_unit: bool, by_bucket: bool) -> TextClause:
    sets = ["()"] + (["(group_id)"] if by_unit else []) + (["(bucket)"] if by_bucket else [])
    return text(
        _GROUPED_FACTS.format(
            durations=_DURATIONS,
            bucket="date_trunc(:bucket, i.created_at AT TIME ZONE 'UTC')"
            if by_bucket
            else "CAST(NULL AS timestamp)",
            grouping_sets=", ".join(sets),
            # GROUPING() and the columns name only what some set groups by.
            unit_columns="GROUPING(group_id) AS all_units, group_id AS cell_unit"
            if by_unit
            else "1 AS all_units, CAST(NULL AS uuid) AS cell_unit",
            time_columns="GROUPING(bucket) AS all_time, bucket AS cell_bucket"
            if by_bucket
            else "1 AS all_time, CAST(NULL AS timestamp) AS cell_bucket",
            units=_UNITS_PART if by_unit else "",
            trend=_TREND_PART if by_bucket else "",
        )
    )


_BY_MANAGER = text(
    _FACTS
    + f"""
, acts AS (
  SELECT a.person_id, facts.insight_id, a.act, a.seconds, a.met
  FROM facts CROSS JOIN LATERAL (VALUES
    (acknowledged_by, 'ack', {_ACK}, acknowledged_at <= ack_deadline),
    (first_action_by, 'action', {_ACTION}, NULL),
    (reporter_told_by, 'reporter', {_REPORTER}, NULL),
    (CASE WHEN customer_told_at IS NOT NULL THEN customer_told_by END, 'customer',
     {_CUSTOMER}, NULL),
    (loop_closed_by, 'loop', NULL, loop_closed_at <= respond_deadline)
  ) AS a(person_id, act, seconds, met)
  WHERE a.person_id IS NOT NULL
)
SELECT p.id AS person_id, p.display_name,
  count(DISTINCT acts.insight_id) AS insights,
  {_stats("ack", "seconds", "act = 'ack'")},
  {_stats("action", "seconds", "act = 'action'")},
  {_stats("reporter", "seconds", "act = 'reporter'")},
  {_stats("customer", "seconds", "act = 'customer'")},
  count(*) FILTER (WHERE act = 'ack' AND met) AS ack_met,
  count(*) FILTER (WHERE act = 'ack') AS ack_of,
  count(*) FILTER (WHERE act = 'loop' AND met) AS loop_met,
  count(*) FILTER (WHERE act = 'loop') AS loop_of
FROM acts JOIN people p ON p.org_id = :org_id AND p.id = acts.person_id
GROUP BY p.id, p.display_name
ORDER BY p.display_name, p.id
"""
)


def _duration(r: dict[str, Any], name: str) -> DurationStats:
    return DurationStats(
        count=r[f"{name}_n"],
        median_seconds=r[f"{name}_median"],
        p90_seconds=r[f"{name}_p90"],
        mean_seconds=r[f"{name}_mean"],
    )


def _share(r: dict[str, Any], name: str) -> Share:
    met, of = r[f"{name}_met"], r[f"{name}_of"]
    return Share(met=met, of=of, share=met / of if of else None)


def _acts(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "insights": r["insights"],
        "time_to_acknowledge": _duration(r, "ack"),
        "time_to_first_action": _duration(r, "action"),
        "time_to_tell_reporter": _duration(r, "reporter"),
        "time_to_tell_customer": _duration(r, "customer"),
        "acknowledged_within_deadline": _share(r, "ack"),
        "loop_closed_within_deadline": _share(r, "loop"),
    }


def _unit_metrics(r: dict[str, Any]) -> UnitMetrics:
    """A row of `_grouped`; an empty child or bucket has no counts (nothing to count)."""

    def count(name: str) -> int:
        return r.get(name) or 0

    def duration(name: str) -> DurationStats:
        median, p90 = r.get(f"{name}_pct") or (None, None)
        return DurationStats(
            count=count(f"{name}_n"),
            median_seconds=median,
            p90_seconds=p90,
            mean_seconds=r.get(f"{name}_mean"),
        )

    def share(name: str) -> Share:
        met, of = count(f"{name}_met"), count(f"{name}_of")
        return Share(met=met, of=of, share=met / of if of else None)

    return UnitMetrics(
        insights=count("insights"),
        time_to_acknowledge=duration("ack"),
        time_to_first_action=duration("action"),
        time_to_tell_reporter=duration("reporter"),
        time_to_tell_customer=duration("customer"),
        acknowledged_within_deadline=share("ack"),
        loop_closed_within_deadline=share("loop"),
        escalations=count("escalations"),
        escalated=share("escalated"),
        open_now=count("open_now"),
        overdue_now=count("overdue_now"),
    )


def _period(query: MetricsQuery, now: datetime) -> tuple[datetime, datetime]:
    end = query.end or now
    start = query.start or end - DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput("The period must end after it starts.", code="invalid_period")
    if query.bucket is not None and (end - start).days > MAX_BUCKETS * _BUCKET_LENGTH[query.bucket]:
        raise InvalidInput(
            f"A trend has at most {MAX_BUCKETS} buckets: choose a longer bucket or a shorter "
            "period.",
            code="too_many_buckets",
        )
    return start, end


async def listening_metrics(
    session: AsyncSession, actor: Principal, query: MetricsQuery
) -> ListeningMetrics:
    """Listening metrics of a unit's subtree (by default the caller's whole reading scope)
    over insights posted in [start, end) (by default the last 30 days).

    403 `not_a_reader` for frontline staff; 404 for a unit out of reach; 422 `unit_required`,
    `invalid_period`, `too_many_buckets`.
    """
    policies.require_reader(actor)
    now = clock.now()
    start, end = _period(query, now)
    unit = await org_service.get_unit(
        session, actor, query.unit_id or policies.default_unit_id(actor)
    )
    policies.require_scope(actor, unit.path)
    params: dict[str, Any] = {
        "org_id": actor.org_id,
        "subtree": unit.path + "%",
        "start": start,
        "end": end,
        "now": now,
    }
    by_unit = MetricsGrouping.UNIT in query.group_by
    await session.execute(NO_JIT)
    rows = await session.execute(
        _grouped(by_unit, query.bucket is not None),
        {
            **params,
            "unit_id": unit.id,
            "unit_name": unit.name,
            "unit_path": unit.path,
            "bucket": query.bucket.value if query.bucket is not None else None,
        },
    )
    parts: dict[int, list[dict[str, Any]]] = {0: [], 1: [], 2: []}
    for row in rows:
        r = row._asdict()
        parts[r["part"]].append(r)
    result = ListeningMetrics(
        unit=UnitRef(id=unit.id, name=unit.name),
        start=start,
        end=end,
        totals=_unit_metrics(parts[0][0] if parts[0] else {}),
        bucket=query.bucket,
    )
    if by_unit:
        result.units = [
            UnitGroup(
                unit=UnitRef(id=r["group_id"], name=r["group_name"]), metrics=_unit_metrics(r)
            )
            for r in parts[1]
        ]
    if MetricsGrouping.MANAGER in query.group_by:
        rows = await session.execute(_BY_MANAGER, params)
        result.managers = [
            ManagerMetrics(
                manager=PersonRef(id=r["person_id"], display_name=r["display_name"]), **_acts(r)
            )
            for r in (row._asdict() for row in rows)
        ]
    if query.bucket is not None:
        result.trend = [
            TrendPoint(start=r["bucket_start"], metrics=_unit_metrics(r)) for r in parts[2]
        ]
    return result
