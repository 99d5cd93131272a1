"""The listening metrics as first written, straight from the timeline: one statement each
for the totals, the children and the trend, every insight's events aggregated where it is
read. The reference `test_metrics_equivalence.py` holds the platform's computation to."""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.schemas import DurationStats, Share, TrendPoint, UnitGroup, UnitMetrics
from app.org.schemas import UnitRef

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


def _metrics(r: dict[str, Any]) -> UnitMetrics:
    return UnitMetrics(
        insights=r["insights"],
        time_to_acknowledge=_duration(r, "ack"),
        time_to_first_action=_duration(r, "action"),
        time_to_tell_reporter=_duration(r, "reporter"),
        time_to_tell_customer=_duration(r, "customer"),
        acknowledged_within_deadline=_share(r, "ack"),
        loop_closed_within_deadline=_share(r, "loop"),
        escalations=r["escalations"],
        escalated=_share(r, "escalated"),
        open_now=r["open_now"],
        overdue_now=r["overdue_now"],
    )


async def reference(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
    """Totals, children and trend as the API answers them (JSON).
    `params`: org_id, subtree, start, end, now, unit_id, unit_name, bucket."""
    totals = (await session.execute(_TOTALS, params)).one()._asdict()
    units = await session.execute(_BY_UNIT, params)
    trend = await session.execute(_TREND, params)
    return {
        "totals": _metrics(totals).model_dump(mode="json"),
        "units": [
            UnitGroup(
                unit=UnitRef(id=r["group_id"], name=r["group_name"]), metrics=_metrics(r)
            ).model_dump(mode="json")
            for r in (row._asdict() for row in units)
        ],
        "trend": [
            TrendPoint(start=r["bucket_start"], metrics=_metrics(r)).model_dump(mode="json")
            for r in (row._asdict() for row in trend)
        ],
    }
