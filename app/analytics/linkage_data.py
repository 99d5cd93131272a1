"""The unit × period table that EX–CX linkage is computed from, read from PostgreSQL.

For each *linkage unit* (a unit of the chosen subtree with a customer outcome of the chosen
measure in the window) and each period (a month or a quarter):

- **CX**: the outcome, the n-weighted mean of its months when a quarter holds several.
- **EX**: the unit's subtree score, from pulse-survey answers (`app.surveys`), imported
  individual responses and imported unit aggregates (`app.outcomes`) together. The score
  is shown only where the organisation's floors release the subtree for that period
  (`app.surveys.floors`): the release plan is built over the whole organisation's tree,
  whoever asks, so two readers of different scopes never see groups whose difference
  isolates fewer than the floor. A unit whose group is held back has no EX in that period.
- **Listening signals**: of the insights posted in the unit's subtree during the period,
  the median hours to acknowledge, the share of loops closed within their deadline, and
  insights per employee (people whose home is in the subtree today).

Every figure is summed per (unit, period) cell in SQL and rolled up the tree in Python,
which is linear in the number of units and cells.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import UnitKind
from app.outcomes.models import CxMeasure
from app.platform.db import NO_JIT
from app.surveys.floors import DEFAULT_MIN_GROUP, release_plan

# The EX score that summarises a response: the mean of all its factor scores.
ENGAGEMENT = "engagement"
# eNPS, from −100 to 100: promoters' share minus detractors' share, in percent.
ENPS = "enps"
LISTENING_SIGNALS = ("hours_to_acknowledge", "loop_closed_within_deadline", "insights_per_employee")


class PeriodGrain(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


def ordinal(month: date, grain: PeriodGrain) -> int:
    """Consecutive periods have consecutive ordinals."""
    if grain is PeriodGrain.MONTH:
        return month.year * 12 + month.month - 1
    return month.year * 4 + (month.month - 1) // 3


def period_start(value: int, grain: PeriodGrain) -> date:
    if grain is PeriodGrain.MONTH:
        return date(value // 12, value % 12 + 1, 1)
    return date(value // 4, (value % 4) * 3 + 1, 1)


@dataclass(slots=True)
class TreeUnit:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: UnitKind
    path: str


@dataclass(slots=True)
class ExCell:
    """EX answers counted at one unit in one period: the respondents, and per measure the
    sum of scores and how many answers have that measure."""

    n: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def put(self, measure: str, total: float, count: int) -> None:
        self.sums[measure] = self.sums.get(measure, 0.0) + total
        self.counts[measure] = self.counts.get(measure, 0) + count

    def add(self, other: "ExCell") -> None:
        self.n += other.n
        for measure, value in other.sums.items():
            self.put(measure, value, other.counts[measure])

    def means(self) -> dict[str, float]:
        return {m: self.sums[m] / c for m, c in self.counts.items() if c > 0}


@dataclass(slots=True)
class LinkageTable:
    grain: PeriodGrain
    units: list[TreeUnit]
    # The region a unit's association is allowed to vary with (random intercept).
    regions: dict[uuid.UUID, uuid.UUID]
    cx: dict[tuple[uuid.UUID, int], float]
    # Released EX means per measure; a cell the floors hold back is absent.
    ex: dict[tuple[uuid.UUID, int], dict[str, float]]
    ex_n: dict[tuple[uuid.UUID, int], int]
    # (unit, period) pairs that had EX answers the floors held back.
    suppressed: set[tuple[uuid.UUID, int]]
    listening: dict[tuple[uuid.UUID, int], dict[str, float | None]]
    measures: list[str]


_UNITS = text(
    "SELECT id, parent_id, name, kind, path FROM units WHERE org_id = :org_id ORDER BY path"
)
_CX = text(
    """
SELECT unit_id, period, value, n FROM cx_outcomes
WHERE org_id = :org_id AND measure = :measure
  AND period >= :start AND period < :end
"""
)
# Pulse-survey answers of closed waves (an open wave's figures would change answer by
# answer, and two readings would differ by the few given in between) per unit and wave
# month: respondents, eNPS counts and the sum of every Likert item by its position; the
# items' factors come from `_ITEMS`.
_SURVEY_CELLS = text(
    """
SELECT r.unit_id, w.period, w.survey_id, r.wave_id, count(*) AS n,
       count(*) FILTER (WHERE r.enps >= 9) AS promoters,
       count(*) FILTER (WHERE r.enps <= 6) AS detractors,
       (SELECT array_agg(s ORDER BY pos) FROM (
          SELECT x.pos, sum(x.v) AS s
          FROM survey_responses r2 CROSS JOIN LATERAL unnest(r2.likert) WITH ORDINALITY x(v, pos)
          WHERE r2.org_id = r.org_id AND r2.wave_id = r.wave_id AND r2.unit_id = r.unit_id
          GROUP BY x.pos) t) AS item_sums
FROM survey_responses r
JOIN survey_waves w ON w.org_id = r.org_id AND w.id = r.wave_id
WHERE r.org_id = :org_id AND w.period >= :start AND w.period < :end
  AND (w.status = 'closed' OR w.closes_at <= CAST(:now AS timestamptz))
GROUP BY r.org_id, r.wave_id, r.unit_id, w.period, w.survey_id
"""
)
_ITEMS = text(
    """
SELECT survey_id, factor FROM survey_items
WHERE org_id = :org_id AND kind = 'likert' ORDER BY survey_id, position
"""
)
# The factors imported individual responses carry in the window.
_IMPORTED_KEYS = text(
    """
SELECT DISTINCT jsonb_object_keys(scores) AS key FROM ex_responses
WHERE org_id = :org_id AND period >= :start AND period < :end
"""
)


def _imported_cells(keys: list[str]) -> TextClause:
    """One pass over the imported responses per unit and month: respondents, eNPS counts,
    and for each factor the sum and count of its scores; engagement is a response's own
    `engagement` score or else the mean of its factor scores. The factors are bound as
    parameters (`:k0`, `:k1`, …), never written into the statement."""
    factors = [k for k in keys if k != ENGAGEMENT]
    values = "".join(f", CAST(scores ->> :k{i} AS float8) AS v{i}" for i in range(len(factors)))
    columns = "".join(f", sum(v{i}) AS s{i}, count(v{i}) AS c{i}" for i in range(len(factors)))
    if factors:
        total = " + ".join(f"coalesce(v{i}, 0)" for i in range(len(factors)))
        present = " + ".join(f"CAST(v{i} IS NOT NULL AS int)" for i in range(len(factors)))
        mean = f"({total}) / NULLIF({present}, 0)"
    else:
        mean = "CAST(NULL AS float8)"
    # Only column expressions are formatted in; the factor names are bound. `OFFSET 0` keeps
    # the inner query from being folded into the outer one, so that each score is read from
    # its JSON once rather than once per use.
    statement = f"""
SELECT unit_id, period, count(*) AS n,
       count(*) FILTER (WHERE enps >= 9) AS promoters,
       count(*) FILTER (WHERE enps <= 6) AS detractors,
       count(enps) AS enps_n,
       sum(engagement) AS engagement_sum, count(engagement) AS engagement_n{columns}
FROM (
  SELECT unit_id, period, enps, coalesce(own, {mean}) AS engagement{
        "".join(f", v{i}" for i in range(len(factors)))
    }
  FROM (
    SELECT unit_id, period, enps, CAST(scores ->> 'engagement' AS float8) AS own{values}
    FROM ex_responses
    WHERE org_id = :org_id AND period >= :start AND period < :end
    OFFSET 0
  ) scored
  OFFSET 0
) r
GROUP BY unit_id, period
"""  # noqa: S608
    return text(statement)


_AGGREGATES = text(
    """
SELECT unit_id, period, measure, n, mean FROM ex_aggregates
WHERE org_id = :org_id AND period >= :start AND period < :end
"""
)
_HEADCOUNT = text(
    """
SELECT home_unit_id AS unit_id, count(*) AS people FROM people
WHERE org_id = :org_id AND active AND erased_at IS NULL
GROUP BY home_unit_id
"""
)
# Listening signals of the insights posted in each linkage unit's subtree, by month;
# `:unit_ids` / `:owners` map every unit of the scope to the linkage unit it counts for.
_LISTENING = text(
    """
WITH owner AS (
  SELECT * FROM unnest(CAST(:unit_ids AS uuid[]), CAST(:owners AS uuid[])) AS m(unit_id, owner)
)
SELECT owner.owner AS unit_id,
       CAST(date_trunc(:grain, i.created_at AT TIME ZONE 'UTC') AS date) AS period,
       count(*) AS insights,
       percentile_cont(0.5) WITHIN GROUP (
         ORDER BY extract(epoch FROM i.acknowledged_at - i.created_at) / 3600.0)
         FILTER (WHERE i.acknowledged_at IS NOT NULL) AS hours_to_acknowledge,
       count(*) FILTER (
         WHERE i.loop_closed_at <= i.created_at + make_interval(mins => i.respond_minutes))
         AS loop_met,
       count(*) FILTER (
         WHERE i.loop_closed_at IS NOT NULL
            OR i.created_at + make_interval(mins => i.respond_minutes) < CAST(:now AS timestamptz))
         AS loop_of
FROM owner
JOIN insights i ON i.org_id = :org_id AND i.shown_unit_id = owner.unit_id
WHERE i.created_at >= CAST(:start AS timestamptz) AND i.created_at < CAST(:end AS timestamptz)
  AND i.status <> 'merged'
GROUP BY 1, 2
"""
)


def _region_of(unit: TreeUnit, by_id: Mapping[uuid.UUID, TreeUnit]) -> uuid.UUID:
    """The nearest ancestor that is a region; without one, the parent (or the unit)."""
    node: TreeUnit | None = unit
    while node is not None:
        if node.kind is UnitKind.REGION:
            return node.id
        node = by_id.get(node.parent_id) if node.parent_id else None
    return unit.parent_id or unit.id


def _owners(units: Iterable[TreeUnit], linkage: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Every unit inside a linkage unit's subtree, mapped to the nearest such unit."""
    owners: dict[uuid.UUID, uuid.UUID] = {}
    for unit in units:  # in path order: parents first
        if unit.id in linkage:
            owners[unit.id] = unit.id
        elif unit.parent_id in owners:
            owners[unit.id] = owners[unit.parent_id]
    return owners


async def read_table(
    session: AsyncSession,
    org_id: uuid.UUID,
    scope_path: str,
    measure: CxMeasure,
    grain: PeriodGrain,
    start: date,
    end: date,
    min_group: int,
    now: datetime,
) -> LinkageTable:
    params: dict[str, Any] = {"org_id": org_id, "start": start, "end": end}
    await session.execute(NO_JIT)
    units = [
        TreeUnit(r.id, r.parent_id, r.name, UnitKind(r.kind), r.path)
        for r in await session.execute(_UNITS, params)
    ]
    by_id = {u.id: u for u in units}
    scoped = {u.id for u in units if u.path.startswith(scope_path)}

    cx_sum: dict[tuple[uuid.UUID, int], float] = defaultdict(float)
    cx_weight: dict[tuple[uuid.UUID, int], float] = defaultdict(float)
    periods: dict[date, int] = {}
    rows = await session.execute(_CX, {**params, "measure": measure.value})
    for unit_id, month, value, n in rows:
        if unit_id not in scoped:
            continue
        period = periods.get(month)
        if period is None:
            period = periods[month] = ordinal(month, grain)
        weight = float(n) if n else 1.0
        cx_sum[(unit_id, period)] += value * weight
        cx_weight[(unit_id, period)] += weight
    cx = {key: cx_sum[key] / cx_weight[key] for key in cx_sum}
    linkage_ids = {unit_id for unit_id, _ in cx}
    linkage_units = [u for u in units if u.id in linkage_ids]

    cells = await _ex_cells(session, {**params, "now": now}, grain)
    ex, ex_n, suppressed = _released_ex(units, cells, linkage_ids, min_group)
    owners = _owners((u for u in units if u.id in scoped), linkage_ids)
    listening = await _listening(session, params, units, owners, grain, now)
    measures = sorted({m for _, c in cells.values() for m in c.counts})
    return LinkageTable(
        grain=grain,
        units=linkage_units,
        regions={u.id: _region_of(u, by_id) for u in linkage_units},
        cx=cx,
        ex=ex,
        ex_n=ex_n,
        suppressed=suppressed,
        listening=listening,
        measures=measures,
    )


# Where a cell's answers come from: a pulse wave (by its id), or a month of imported
# responses or of imported aggregates. The floors are applied to each source apart.
Source = tuple[str, uuid.UUID | date]
Cells = dict[tuple[Source, uuid.UUID], tuple[int, ExCell]]


async def _ex_cells(session: AsyncSession, params: dict[str, Any], grain: PeriodGrain) -> Cells:
    """EX cells per (source, unit), each with the period it falls in."""
    cells: Cells = {}

    def cell(source: Source, unit_id: uuid.UUID, month: date) -> ExCell:
        found = cells.get((source, unit_id))
        if found is None:
            found = cells[(source, unit_id)] = (ordinal(month, grain), ExCell())
        return found[1]

    factors: dict[uuid.UUID, list[str]] = defaultdict(list)
    for r in await session.execute(_ITEMS, params):
        factors[r.survey_id].append(r.factor)
    for r in await session.execute(_SURVEY_CELLS, params):
        target = cell(("wave", r.wave_id), r.unit_id, r.period)
        target.n += r.n
        sums = [float(x) for x in (r.item_sums or [])]
        per_factor: dict[str, list[float]] = defaultdict(list)
        for factor, total in zip(factors[r.survey_id], sums, strict=False):
            per_factor[factor].append(total)
        for factor, totals in per_factor.items():
            target.put(factor, sum(totals) / len(totals), r.n)
        if sums:
            target.put(ENGAGEMENT, sum(sums) / len(sums), r.n)
        target.put(ENPS, 100.0 * (r.promoters - r.detractors), r.n)
    keys: list[str] = sorted(str(k) for k in await session.scalars(_IMPORTED_KEYS, params))
    imported = [k for k in keys if k != ENGAGEMENT]
    bound = {f"k{i}": name for i, name in enumerate(imported)}
    rows = await session.execute(_imported_cells(keys), {**params, **bound})
    for row in rows:
        unit_id, month, n, promoters, detractors, enps_n, engagement_sum, engagement_n = row[:8]
        target = cell(("responses", month), unit_id, month)
        target.n += n
        if enps_n:
            target.put(ENPS, 100.0 * (promoters - detractors), enps_n)
        if engagement_n:
            target.put(ENGAGEMENT, engagement_sum, engagement_n)
        for i, name in enumerate(imported):
            count = row[9 + 2 * i]
            if count:
                target.put(name, row[8 + 2 * i], count)
    for r in await session.execute(_AGGREGATES, params):
        target = cell(("aggregates", r.period), r.unit_id, r.period)
        target.put(r.measure, r.mean * r.n, r.n)
        # An aggregate's respondents are the most any of its measures counted.
        target.n = max(target.n, r.n)
    return cells


def _released_ex(
    units: list[TreeUnit], cells: Cells, linkage: set[uuid.UUID], min_group: int
) -> tuple[
    dict[tuple[uuid.UUID, int], dict[str, float]],
    dict[tuple[uuid.UUID, int], int],
    set[tuple[uuid.UUID, int]],
]:
    """Each linkage unit's subtree EX per period: the sum of what every source of the
    period releases for the subtree. Each source (a pulse wave, a month of imported
    responses or aggregates) is planned apart, under every floor from the default up to the
    organisation's (a floor only rises, so this holds whatever floor a reader read the
    source under before), and a subtree's part is taken only where all those plans release
    it. A figure here is then a sum of figures the floors release, and no difference of two
    figures, here or from the survey results, isolates fewer answers than the floor."""
    parents = {u.id: u.parent_id for u in units}
    counts_for: dict[uuid.UUID, list[uuid.UUID]] = {}
    for unit in units:  # in path order: parents first
        above = counts_for.get(unit.parent_id, []) if unit.parent_id else []
        counts_for[unit.id] = [*above, unit.id] if unit.id in linkage else above
    by_source: dict[Source, dict[uuid.UUID, tuple[int, ExCell]]] = defaultdict(dict)
    for (source, unit_id), entry in cells.items():
        if unit_id in parents:
            by_source[source][unit_id] = entry
    floors = range(DEFAULT_MIN_GROUP, max(min_group, DEFAULT_MIN_GROUP) + 1)
    released: dict[tuple[uuid.UUID, int], ExCell] = {}
    owned: set[tuple[uuid.UUID, int]] = set()
    suppressed: set[tuple[uuid.UUID, int]] = set()
    for source_cells in by_source.values():
        counts = {u: c.n for u, (_, c) in source_cells.items()}
        plans = [release_plan(parents, counts, k) for k in floors]
        parts: dict[uuid.UUID, list[ExCell]] = defaultdict(list)
        period = next(iter(source_cells.values()))[0]
        for unit_id, (_, cell) in source_cells.items():
            for owner in counts_for[unit_id]:
                parts[owner].append(cell)
        for unit_id, pieces in parts.items():
            if len(pieces) == 1 and pieces[0].n == 0:
                continue
            key = (unit_id, period)
            if not all(plan.releasable(unit_id) for plan in plans):
                suppressed.add(key)
                continue
            total = released.get(key)
            if total is None and len(pieces) == 1:
                # Shared with the source's cells until a second part arrives.
                released[key] = pieces[0]
                continue
            if total is None or key not in owned:
                merged = ExCell()
                if total is not None:
                    merged.add(total)
                total = released[key] = merged
                owned.add(key)
            for piece in pieces:
                total.add(piece)
    ex = {key: cell.means() for key, cell in released.items()}
    ex_n = {key: cell.n for key, cell in released.items()}
    return ex, ex_n, suppressed


async def _listening(
    session: AsyncSession,
    params: dict[str, Any],
    units: list[TreeUnit],
    owners: Mapping[uuid.UUID, uuid.UUID],
    grain: PeriodGrain,
    now: datetime,
) -> dict[tuple[uuid.UUID, int], dict[str, float | None]]:
    if not owners:
        return {}
    parents = {u.id: u.parent_id for u in units}
    people: dict[uuid.UUID, int] = defaultdict(int)
    for r in await session.execute(_HEADCOUNT, params):
        node: uuid.UUID | None = r.unit_id
        while node is not None and node not in owners:
            node = parents.get(node)
        if node is not None:
            people[owners[node]] += r.people
    rows = await session.execute(
        _LISTENING,
        {
            **params,
            "start": datetime.combine(params["start"], datetime.min.time(), now.tzinfo),
            "end": datetime.combine(params["end"], datetime.min.time(), now.tzinfo),
            "unit_ids": list(owners),
            "owners": list(owners.values()),
            "grain": grain.value,
            "now": now,
        },
    )
    signals: dict[tuple[uuid.UUID, int], dict[str, float | None]] = {}
    for r in rows:
        headcount = people.get(r.unit_id, 0)
        signals[(r.unit_id, ordinal(r.period, grain))] = {
            "hours_to_acknowledge": r.hours_to_acknowledge,
            "loop_closed_within_deadline": r.loop_met / r.loop_of if r.loop_of else None,
            "insights_per_employee": r.insights / headcount if headcount else None,
        }
    return signals
