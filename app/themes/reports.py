"""How far each theme reaches, and which themes to take up first.

Both reports read the same per-theme figures (`_THEME_FIGURES`) in one statement, and the
reach report the weekly counts in a second one, whatever the number of themes.

Priority score = Σ weight × term, each term in 0..1:

- reach (0.35): distinct reporters and distinct units, each log-scaled and divided by the
  top theme's, averaged;
- impact (0.25): half the mean customer impact / 3, half the customers affected, log-scaled
  and divided by the top theme's;
- trend (0.20): insights in the last 4 weeks of the period as a share of those in the last
  8 weeks (0.5: as many as in the 4 weeks before; 0.5 too when there were none);
- open_age (0.20): the median age of the theme's open insights in days, capped at 60, / 60.
"""

import math
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.org.taxonomy import IMPACT_LEVELS
from app.platform.errors import NotFound
from app.themes import service
from app.themes.report_schemas import (
    ANECDOTAL_MAX_REPORTERS,
    ANECDOTAL_MAX_UNITS,
    REPORTERS_SHOWN_FROM,
    SYSTEMIC_MIN_REPORTERS,
    SYSTEMIC_MIN_STORES,
    SYSTEMIC_MIN_UNITS,
    Breadth,
    ImpactCount,
    PriorityTerm,
    PriorityTermName,
    ThemePriority,
    ThemeReach,
    ThemeRef,
    ThemeReportQuery,
)
from app.themes.report_scope import ReportScope, facts, report_scope, theme_ref, weekly

WEIGHTS: dict[PriorityTermName, float] = {
    PriorityTermName.REACH: 0.35,
    PriorityTermName.IMPACT: 0.25,
    PriorityTermName.TREND: 0.20,
    PriorityTermName.OPEN_AGE: 0.20,
}
TREND_WINDOW = timedelta(weeks=4)
OPEN_AGE_CAP_DAYS = 60
MAX_IMPACT = len(IMPACT_LEVELS) - 1

_FIGURES = """
SELECT theme_id,
  count(*) AS insights,
  count(DISTINCT author_id) AS reporters,
  count(DISTINCT unit_id) AS units,
  count(DISTINCT store_id) AS stores,
  coalesce(sum(customers_affected), 0) AS customers_affected,
  count(customers_affected) AS customers_reported,
  coalesce(sum(endorsement_count), 0) AS endorsements,
  CAST(avg(customer_impact) AS float8) AS mean_impact,
  array[count(*) FILTER (WHERE customer_impact = 0), count(*) FILTER (WHERE customer_impact = 1),
        count(*) FILTER (WHERE customer_impact = 2), count(*) FILTER (WHERE customer_impact = 3)]
    AS impact_levels,
  min(created_at) AS first_seen,
  max(created_at) AS last_seen,
  count(*) FILTER (WHERE is_open) AS open_now,
  count(*) FILTER (WHERE created_at >= CAST(:recent_from AS timestamptz)) AS recent,
  count(*) FILTER (WHERE created_at >= CAST(:earlier_from AS timestamptz)
                     AND created_at < CAST(:recent_from AS timestamptz)) AS earlier,
  percentile_cont(0.5) WITHIN GROUP (
    ORDER BY CAST(extract(epoch FROM CAST(:now AS timestamptz) - created_at) AS float8))
    FILTER (WHERE is_open) AS open_age_median
FROM facts
GROUP BY theme_id
"""

# Per active theme with insights in the report, with its names.
_THEME_FIGURES = text(
    facts()
    + f"""
, figures AS ({_FIGURES})
SELECT figures.*, t.id, t.name_fi, t.name_en, t.label_fi, t.label_en
FROM figures JOIN themes t ON t.org_id = CAST(:org_id AS uuid) AND t.id = figures.theme_id
ORDER BY figures.insights DESC, t.id
"""
)
_ONE_THEME_FIGURES = text(facts(one_theme=True) + _FIGURES)

_WEEKS = """
SELECT theme_id, CAST(date_trunc('week', created_at AT TIME ZONE 'UTC') AS date) AS week,
       count(*) AS insights
FROM facts
GROUP BY theme_id, week
"""
_THEME_WEEKS = text(facts() + _WEEKS)
_ONE_THEME_WEEKS = text(facts(one_theme=True) + _WEEKS)

_THEME = text(
    """
SELECT id, name_fi, name_en, label_fi, label_en FROM themes
WHERE org_id = CAST(:org_id AS uuid) AND id = CAST(:theme_id AS uuid)
"""
)


def breadth(reporters: int, units: int, stores: int) -> Breadth:
    if reporters <= ANECDOTAL_MAX_REPORTERS or units <= ANECDOTAL_MAX_UNITS:
        return Breadth.ANECDOTAL
    if (
        units >= SYSTEMIC_MIN_UNITS
        and stores >= SYSTEMIC_MIN_STORES
        and reporters >= SYSTEMIC_MIN_REPORTERS
    ):
        return Breadth.SYSTEMIC
    return Breadth.LOCAL


def _reporters(count: int) -> dict[str, int | None]:
    if count < REPORTERS_SHOWN_FROM:
        return {"reporters": None, "reporters_fewer_than": REPORTERS_SHOWN_FROM}
    return {"reporters": count, "reporters_fewer_than": None}


def _reach(theme: ThemeRef, r: Any, scope: ReportScope, weeks: dict[date, int]) -> ThemeReach:
    return ThemeReach(
        theme=theme,
        insights=r.insights,
        **_reporters(r.reporters),
        units=r.units,
        stores=r.stores,
        customers_affected=r.customers_affected,
        customers_affected_reported=r.customers_reported,
        endorsements=r.endorsements,
        mean_impact=r.mean_impact,
        impact=[
            ImpactCount(level=level, insights=n)
            for level, n in zip(IMPACT_LEVELS, r.impact_levels, strict=True)
        ],
        first_seen=r.first_seen,
        last_seen=r.last_seen,
        open_now=r.open_now,
        breadth=breadth(r.reporters, r.units, r.stores),
        trend=weekly(scope.start, scope.end, weeks),
    )


def _params(scope: ReportScope) -> dict[str, Any]:
    recent_from = scope.end - TREND_WINDOW
    return {**scope.params, "recent_from": recent_from, "earlier_from": recent_from - TREND_WINDOW}


async def theme_reach(
    session: AsyncSession, actor: Principal, query: ThemeReportQuery
) -> list[ThemeReach]:
    """Each active theme with insights in the report, most insights first; see
    `report_scope.report_scope` for the errors."""
    scope = await report_scope(session, actor, query)
    params = _params(scope)
    figures = (await session.execute(_THEME_FIGURES, params)).all()
    weeks: dict[uuid.UUID, dict[date, int]] = defaultdict(dict)
    for w in await session.execute(_THEME_WEEKS, params):
        weeks[w.theme_id][w.week] = w.insights
    return [_reach(theme_ref(r, scope.locale), r, scope, weeks[r.theme_id]) for r in figures]


async def theme_reach_of(
    session: AsyncSession, actor: Principal, theme_id: uuid.UUID, query: ThemeReportQuery
) -> ThemeReach:
    """One theme's reach (all zero when none of its insights is in the report, as for a
    theme that is no longer active). 404 for a theme that holds no insight the caller may
    read, as `GET /themes/{id}` answers."""
    scope = await report_scope(session, actor, query)
    await service.get_theme(session, actor, theme_id)
    params = {**_params(scope), "theme_id": theme_id}
    theme = (await session.execute(_THEME, params)).one_or_none()
    if theme is None:
        raise NotFound("No such theme.")
    row = (await session.execute(_ONE_THEME_FIGURES, params)).one_or_none()
    weeks = {w.week: w.insights for w in await session.execute(_ONE_THEME_WEEKS, params)}
    return _reach(theme_ref(theme, scope.locale), row or _NOTHING, scope, weeks)


class _Nothing:
    """The figures of a theme without insights in the report."""

    insights = reporters = units = stores = customers_affected = customers_reported = 0
    endorsements = open_now = 0
    mean_impact = first_seen = last_seen = None
    impact_levels = (0,) * len(IMPACT_LEVELS)


_NOTHING = _Nothing()


def _share_of_top(value: float, top: float) -> float:
    return math.log1p(value) / math.log1p(top) if top > 0 else 0.0


def _reporters_text(count: int) -> str:
    if count < REPORTERS_SHOWN_FROM:
        return f"fewer than {REPORTERS_SHOWN_FROM} reporters"
    return f"{count} reporters"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _terms(r: Any, top: dict[str, int]) -> dict[PriorityTermName, tuple[float, str]]:
    reach = (
        _share_of_top(r.reporters, top["reporters"]) + _share_of_top(r.units, top["units"])
    ) / 2
    mean_impact = r.mean_impact or 0.0
    impact = (
        mean_impact / MAX_IMPACT + _share_of_top(r.customers_affected, top["customers_affected"])
    ) / 2
    recent, earlier = r.recent, r.earlier
    trend = recent / (recent + earlier) if recent + earlier else 0.5
    age_days = (r.open_age_median or 0.0) / 86400
    open_age = min(age_days, OPEN_AGE_CAP_DAYS) / OPEN_AGE_CAP_DAYS
    weeks = TREND_WINDOW.days // 7
    customers = (
        f"{_plural(r.customers_affected, 'customer')} affected "
        f"(given on {_plural(r.customers_reported, 'insight')})"
        if r.customers_reported
        else "no count of customers affected"
    )
    return {
        PriorityTermName.REACH: (
            reach,
            f"{_reporters_text(r.reporters)} in {_plural(r.units, 'unit')}",
        ),
        PriorityTermName.IMPACT: (impact, f"mean impact {mean_impact:.1f} of 3; {customers}"),
        PriorityTermName.TREND: (
            trend,
            f"{_plural(recent, 'insight')} in the last {weeks} weeks, "
            f"{earlier} in the {weeks} before",
        ),
        PriorityTermName.OPEN_AGE: (
            open_age,
            f"{_plural(r.open_now, 'open insight')}, median age {age_days:.0f} days"
            if r.open_now
            else "no open insights",
        ),
    }


async def theme_priorities(
    session: AsyncSession, actor: Principal, query: ThemeReportQuery
) -> list[ThemePriority]:
    """The active themes with insights in the report, highest score first, each term of the
    score explained (weights and terms: this module's docstring)."""
    scope = await report_scope(session, actor, query)
    figures = (await session.execute(_THEME_FIGURES, _params(scope))).all()
    top = {
        name: max((getattr(r, name) for r in figures), default=0)
        for name in ("reporters", "units", "customers_affected")
    }
    ranked = []
    for r in figures:
        terms = [
            PriorityTerm(
                name=name,
                value=round(value, 4),
                weight=WEIGHTS[name],
                contribution=round(WEIGHTS[name] * value, 4),
                explanation=explanation,
            )
            for name, (value, explanation) in _terms(r, top).items()
        ]
        score = round(sum(t.contribution for t in terms), 4)
        ranked.append((score, r.insights, theme_ref(r, scope.locale), terms))
    ranked.sort(key=lambda item: (-item[0], -item[1], str(item[2].id)))
    return [
        ThemePriority(theme=theme, rank=rank, score=score, terms=terms)
        for rank, (score, _, theme, terms) in enumerate(ranked, start=1)
    ]
