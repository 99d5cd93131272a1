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
from typing import Any

from sqlalchemy import text
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
from app.platform.errors import InvalidInput

DEFAULT_PERIOD = timedelta(days=30)
# A trend longer than this is no longer readable as one chart.
MAX_BUCKETS = 366
_BUCKET_LENGTH = {MetricsBucket.DAY: 1, MetricsBucket.WEEK: 7, MetricsBucket.MONTH: 28}

# One row per insight posted in the unit's subtree during the period, at the unit it shows
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

_UNIT_METRICS = f"""
  count(insight_id) AS insights,
  {_stats("ack", _ACK)},
  {_stats("action", _ACTION)},
  {_stats("reporter", _REPORTER)},
  {_stats("customer", _CUSTOMER)},
  count(*) FILTER (WHERE acknowledged_at <= ack_deadline) AS ack_met,
  count(*) FILTER (WHERE acknowledged_at IS NOT NULL OR ack_deadline < CAST(:now AS timestamptz))
    AS ack_of,
  count(*) FILTER (WHERE loop_closed_at <= respond_deadline) AS loop_met,
  count(*) FILTER (
    WHERE loop_closed_at IS NOT NULL OR respond_deadline < CAST(:now AS timestamptz)) AS loop_of,
  coalesce(sum(escalations), 0) AS escalations,
  count(*) FILTER (WHERE escalations > 0) AS escalated_met,
  count(insight_id) AS escalated_of,
  count(*) FILTER (WHERE is_open) AS open_now,
  count(*) FILTER (WHERE is_overdue) AS overdue_now
"""

_TOTALS = text(_FACTS + f"SELECT {_UNIT_METRICS} FROM facts")

# The chosen unit's children, each with its subtree, and the unit itself for what was posted
# right there (only when something was).
_BY_UNIT = text(
    _FACTS
    + f"""
SELECT c.id AS group_id, c.name AS group_name, {_UNIT_METRICS}
FROM units c LEFT JOIN facts ON facts.unit_path LIKE c.path || '%'
WHERE c.org_id = :org_id AND c.parent_id = :unit_id
GROUP BY c.id, c.name
UNION ALL
SELECT CAST(:unit_id AS uuid), CAST(:unit_name AS text), {_UNIT_METRICS}
FROM facts WHERE facts.unit_id = :unit_id
HAVING count(*) > 0
ORDER BY group_name, group_id
"""
)

# Every bucket of the period, empty ones included, so a chart has no gaps; weeks start on
# Monday and every bucket is cut in UTC.
_TREND = text(
    _FACTS
    + f"""
SELECT b.start AT TIME ZONE 'UTC' AS bucket_start, {_UNIT_METRICS}
FROM generate_series(
  date_trunc(:bucket, CAST(:start AS timestamptz) AT TIME ZONE 'UTC'),
  CAST(:end AS timestamptz) AT TIME ZONE 'UTC' - interval '1 microsecond',
  CAST('1 ' || :bucket AS interval)
) AS b(start)
LEFT JOIN facts ON date_trunc(:bucket, facts.posted_at AT TIME ZONE 'UTC') = b.start
GROUP BY b.start
ORDER BY b.start
"""
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
    return UnitMetrics(
        **_acts(r),
        escalations=r["escalations"],
        escalated=_share(r, "escalated"),
        open_now=r["open_now"],
        overdue_now=r["overdue_now"],
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
    totals = (await session.execute(_TOTALS, params)).one()._asdict()
    result = ListeningMetrics(
        unit=UnitRef(id=unit.id, name=unit.name),
        start=start,
        end=end,
        totals=_unit_metrics(totals),
        bucket=query.bucket,
    )
    if MetricsGrouping.UNIT in query.group_by:
        rows = await session.execute(
            _BY_UNIT, {**params, "unit_id": unit.id, "unit_name": unit.name}
        )
        result.units = [
            UnitGroup(
                unit=UnitRef(id=r["group_id"], name=r["group_name"]), metrics=_unit_metrics(r)
            )
            for r in (row._asdict() for row in rows)
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
        rows = await session.execute(_TREND, {**params, "bucket": query.bucket.value})
        result.trend = [
            TrendPoint(start=r["bucket_start"], metrics=_unit_metrics(r))
            for r in (row._asdict() for row in rows)
        ]
    return result
