"""EX + CX = SX: whether the units where employees thrive are the units where customers do
well, next to how well each unit listens to its frontline.

The report leads with the mixed model's within-unit slope (CX in t + lag on EX in t, random
intercepts for region and unit), because differences between regions and units drive the
naive pooled correlation; the lag bars show the association at lags −2 … 2 both across
units and over time inside units; the drivers rank EX factors and listening signals by
Johnson's relative weights. Fewer than 30 units is reported as insufficient, never hidden.
Only EX that the floors release enters (`app.analytics.linkage_data`).
"""

import asyncio
import math
import uuid
from datetime import date

import numpy as np
import numpy.typing as npt
from scipy.stats import t as student  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from app.analytics import policies, statistics
from app.analytics.linkage_data import (
    ENGAGEMENT,
    LISTENING_SIGNALS,
    LinkageTable,
    PeriodGrain,
    TreeUnit,
    ordinal,
    period_start,
    read_table,
)
from app.analytics.linkage_schemas import (
    Correlation,
    Driver,
    DriverReport,
    FitLine,
    LagAssociation,
    LeftOut,
    LinkageQuery,
    LinkageReport,
    MixedModel,
    ModelEstimate,
    SignalAssociation,
    TableRow,
    UnitPoint,
)
from app.analytics.mixed_model import MixedModelResult, Slope
from app.analytics.relative_weights import BootstrapRelativeWeights, bootstrap_relative_weights
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.platform import clock
from app.platform.errors import InvalidInput
from app.platform.i18n import Locale

MIN_UNITS = statistics.MIN_UNITS
DEFAULT_MONTHS = 24
MAX_MONTHS = 120
FIRST_YEAR, LAST_YEAR = 1900, 2999
BOOTSTRAP_DRAWS = 500
RWA_METHOD = (
    "Johnson's relative weights (2000): R² of a linear model of the CX outcome on the "
    "predictors, shared among them through their orthogonal counterparts; 95 % intervals "
    "from resampling units (bootstrap percentiles)."
)
_NOTICE = {
    Locale.EN: "These are associations between units and over time, not causes: a unit "
    "where both are high may share a third reason.",
    Locale.FI: "Luvut kertovat yhteydestä yksiköiden välillä ja ajan yli, eivät syistä: "
    "molemmat voivat johtua jostain kolmannesta.",
}
_INSUFFICIENT = {
    Locale.EN: " Fewer than {n} units have both EX and CX ({units}): too few to read as "
    "evidence either way.",
    Locale.FI: " Sekä EX- että CX-tulos on alle {n} yksiköllä ({units}): liian harvalla, "
    "jotta tuloksesta voisi päätellä suuntaan tai toiseen.",
}
_MIN_GROUP = text("SELECT survey_min_group FROM organisations WHERE id = :org_id")


def _window(query: LinkageQuery) -> tuple[date, date]:
    for given in (query.start, query.end):
        if given is not None and not FIRST_YEAR <= given.year <= LAST_YEAR:
            raise InvalidInput(
                f"Months from {FIRST_YEAR} to {LAST_YEAR} only.", code="invalid_period"
            )
    today = clock.now().date()
    this_month = date(today.year, today.month, 1)
    end_month = query.end or this_month
    end = period_start(ordinal(end_month, PeriodGrain.MONTH) + 1, PeriodGrain.MONTH)
    start = query.start or period_start(
        ordinal(end, PeriodGrain.MONTH) - DEFAULT_MONTHS, PeriodGrain.MONTH
    )
    start = date(start.year, start.month, 1)
    months = ordinal(end, PeriodGrain.MONTH) - ordinal(start, PeriodGrain.MONTH)
    if months <= 0:
        raise InvalidInput("The period must end after it starts.", code="invalid_period")
    if months > MAX_MONTHS:
        raise InvalidInput(
            f"Linkage looks at most {MAX_MONTHS} months at a time.", code="period_too_long"
        )
    return start, end


async def _table(
    session: AsyncSession, actor: Principal, query: LinkageQuery
) -> tuple[UnitRef, LinkageTable, date, date, int]:
    policies.require_reader(actor)
    unit = await org_service.get_unit(
        session, actor, query.unit_id or policies.default_unit_id(actor)
    )
    policies.require_scope(actor, unit.path)
    start, end = _window(query)
    min_group = int(await session.scalar(_MIN_GROUP, {"org_id": actor.org_id}) or 5)
    table = await read_table(
        session,
        actor.org_id,
        unit.path,
        query.cx,
        query.grain,
        start,
        end,
        min_group,
        clock.now(),
    )
    return UnitRef(id=unit.id, name=unit.name), table, start, end, min_group


def _panel(
    table: LinkageTable, values: dict[tuple[uuid.UUID, int], float]
) -> tuple[statistics.Panel, list[TreeUnit]]:
    units = table.units
    index = {u.id: i for i, u in enumerate(units)}
    region_codes: dict[uuid.UUID, int] = {}
    regions = np.array(
        [region_codes.setdefault(table.regions[u.id], len(region_codes)) for u in units],
        dtype=np.int64,
    )
    keys = [k for k in set(table.cx) | set(values) if k[0] in index]
    unit = np.fromiter((index[u] for u, _ in keys), dtype=np.int64, count=len(keys))
    period = np.fromiter((p for _, p in keys), dtype=np.int64, count=len(keys))
    order = np.lexsort((period, unit))
    return (
        statistics.Panel(
            unit=unit[order],
            region=regions[unit[order]] if len(keys) else unit,
            period=period[order],
            ex=np.fromiter((values.get(k, math.nan) for k in keys), np.float64, len(keys))[order],
            cx=np.fromiter((table.cx.get(k, math.nan) for k in keys), np.float64, len(keys))[order],
        ),
        units,
    )


def _ex_values(table: LinkageTable, measure: str) -> dict[tuple[uuid.UUID, int], float]:
    return {k: m[measure] for k, m in table.ex.items() if measure in m}


def _correlation(c: statistics.Correlation) -> Correlation:
    return Correlation(r=c.r, low=c.low, high=c.high, n=c.n)


def _estimate(slope: Slope | None) -> ModelEstimate:
    if slope is None:
        return ModelEstimate(estimate=None, low=None, high=None, p_value=None)
    return ModelEstimate(
        estimate=slope.estimate, low=slope.low, high=slope.high, p_value=slope.p_value
    )


def _unit_means(
    panel: statistics.Panel, lag: int, units: list[TreeUnit]
) -> list[tuple[TreeUnit, float, float, int]]:
    """Each unit's mean EX and mean CX lag periods later, over its complete pairs."""
    pairs = statistics.lagged(panel, lag)
    if pairs.unit.size == 0:
        return []
    counts = np.bincount(pairs.unit, minlength=len(units))
    ex = np.bincount(pairs.unit, weights=pairs.ex, minlength=len(units))
    cx = np.bincount(pairs.unit, weights=pairs.cx, minlength=len(units))
    return [
        (units[i], float(ex[i] / counts[i]), float(cx[i] / counts[i]), int(counts[i]))
        for i in np.flatnonzero(counts)
    ]


def _fit(xs: list[float], ys: list[float]) -> FitLine | None:
    """Least squares through the unit points, with the 95 % band of the fitted mean."""
    n = len(xs)
    if n < 4:
        return None
    x, y = np.asarray(xs), np.asarray(ys)
    sxx = float(((x - x.mean()) ** 2).sum())
    if sxx <= 1e-12:
        return None
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    sigma = math.sqrt(float((residual**2).sum()) / (n - 2))
    q = float(student.ppf(0.975, n - 2))
    grid = np.linspace(float(x.min()), float(x.max()), 21)
    half = q * sigma * np.sqrt(1 / n + (grid - x.mean()) ** 2 / sxx)
    centre = intercept + slope * grid
    return FitLine(
        slope=slope,
        intercept=intercept,
        x=[float(v) for v in grid],
        low=[float(v) for v in centre - half],
        high=[float(v) for v in centre + half],
    )


def _notice(locale: Locale, units: int) -> str:
    notice = _NOTICE[locale]
    if units < MIN_UNITS:
        notice += _INSUFFICIENT[locale].format(n=MIN_UNITS, units=units)
    return notice


def _analyse(
    table: LinkageTable, values: dict[tuple[uuid.UUID, int], float], lag: int
) -> tuple[
    list[statistics.LagAssociation],
    MixedModelResult,
    list[tuple[TreeUnit, float, float, int]],
    list[tuple[str, statistics.Correlation]],
]:
    """The statistics of a report, off the event loop (numpy and scipy release the GIL
    for much of it) and on one BLAS thread: the vectors are small, and a pool of BLAS
    threads contending for two cores with the server costs more than it gives."""
    with threadpool_limits(limits=1, user_api="blas"):
        panel, units = _panel(table, values)
        return (
            statistics.lag_associations(panel),
            statistics.mixed_model(panel, lag),
            _unit_means(panel, lag, units),
            [(s, _signal_correlation(table, s, lag)) for s in LISTENING_SIGNALS],
        )


async def linkage(
    session: AsyncSession, actor: Principal, query: LinkageQuery, *, with_table: bool = False
) -> LinkageReport:
    """EX and CX joined per unit and period in a unit's subtree (by default the caller's
    whole reading scope; managers, HR and administrators).

    403 `not_a_reader`; 404 for a unit out of reach; 422 `unit_required`, `invalid_period`,
    `period_too_long`, `unknown_ex_measure`.
    """
    scope, table, start, end, min_group = await _table(session, actor, query)
    if query.ex not in table.measures and table.measures:
        raise InvalidInput(
            f"No EX data measure {query.ex!r} here; there is: {', '.join(table.measures)}.",
            code="unknown_ex_measure",
        )
    values = _ex_values(table, query.ex)
    units = table.units
    lags, model, means, signals = await asyncio.to_thread(_analyse, table, values, query.lag)
    names = {u.id: u.name for u in units}
    region_names = await org_service.unit_names(session, actor.org_id, list(table.regions.values()))
    points = [
        UnitPoint(
            unit=UnitRef(id=u.id, name=u.name),
            region=UnitRef(
                id=table.regions[u.id],
                name=region_names.get(table.regions[u.id], names.get(u.id, "")),
            ),
            ex=ex,
            cx=cx,
            periods=periods,
        )
        for u, ex, cx, periods in means
    ]
    units_with_ex = len({u for u, _ in values})
    report = LinkageReport(
        unit=scope,
        cx_measure=query.cx,
        ex_measure=query.ex,
        ex_measures=table.measures,
        grain=query.grain,
        start=start,
        end=end,
        lag=query.lag,
        min_group=min_group,
        units=len(units),
        units_with_ex=units_with_ex,
        suppressed_periods=len(table.suppressed),
        sufficient=len(points) >= MIN_UNITS,
        notice=_notice(actor.locale, len(points)),
        model=MixedModel(
            method=model.method,
            lag=model.lag,
            within_unit_slope=_estimate(model.within),
            between_unit_slope=_estimate(model.between),
            observations=model.observations,
            units=model.units,
            regions=model.regions,
            converged=model.converged,
        )
        if model.observations
        else None,
        lags=[
            LagAssociation(
                lag=a.lag,
                between_units=_correlation(a.between),
                within_units=_correlation(a.within),
                pooled=_correlation(a.pooled),
                units=a.units,
                observations=a.observations,
            )
            for a in lags
        ],
        points=points,
        fit=_fit([p.ex for p in points], [p.cx for p in points]),
        signals=[
            SignalAssociation(signal=signal, between_units=_correlation(correlation))
            for signal, correlation in signals
        ],
    )
    if with_table:
        report.table = _rows(table, values)
    return report


def _signal_values(table: LinkageTable, signal: str) -> dict[tuple[uuid.UUID, int], float]:
    return {
        k: float(v)
        for k, signals in table.listening.items()
        if (v := signals.get(signal)) is not None
    }


def _signal_correlation(table: LinkageTable, signal: str, lag: int) -> statistics.Correlation:
    """Across units: each unit's mean signal in t against its mean CX in t + lag, over the
    periods that have both."""
    sums: dict[uuid.UUID, list[float]] = {}
    for (unit_id, period), value in _signal_values(table, signal).items():
        cx = table.cx.get((unit_id, period + lag))
        if cx is not None:
            entry = sums.setdefault(unit_id, [0.0, 0.0, 0.0])
            entry[0] += value
            entry[1] += cx
            entry[2] += 1
    return statistics.correlation(
        [e[0] / e[2] for e in sums.values()], [e[1] / e[2] for e in sums.values()]
    )


def _rows(table: LinkageTable, values: dict[tuple[uuid.UUID, int], float]) -> list[TableRow]:
    keys = sorted(set(table.cx) | set(values) | set(table.listening))
    unit_ids = {u.id for u in table.units}
    rows = []
    for unit_id, period in keys:
        if unit_id not in unit_ids:
            continue
        signals = table.listening.get((unit_id, period), {})
        rows.append(
            TableRow(
                unit_id=unit_id,
                period=period_start(period, table.grain),
                ex=values.get((unit_id, period)),
                respondents=table.ex_n.get((unit_id, period)),
                cx=table.cx.get((unit_id, period)),
                hours_to_acknowledge=signals.get("hours_to_acknowledge"),
                loop_closed_within_deadline=signals.get("loop_closed_within_deadline"),
                insights_per_employee=signals.get("insights_per_employee"),
            )
        )
    return rows


def _weights(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], names: list[str]
) -> BootstrapRelativeWeights:
    with threadpool_limits(limits=1, user_api="blas"):
        return bootstrap_relative_weights(x, y, names, draws=BOOTSTRAP_DRAWS)


def _window_means(
    values: dict[tuple[uuid.UUID, int], float], units: set[uuid.UUID]
) -> dict[uuid.UUID, float]:
    sums: dict[uuid.UUID, float] = {}
    counts: dict[uuid.UUID, int] = {}
    for (unit_id, _), value in values.items():
        if unit_id in units and math.isfinite(value):
            sums[unit_id] = sums.get(unit_id, 0.0) + value
            counts[unit_id] = counts.get(unit_id, 0) + 1
    return {u: sums[u] / counts[u] for u in sums}


async def drivers(session: AsyncSession, actor: Principal, query: LinkageQuery) -> DriverReport:
    """Which EX factors and listening signals go with the CX outcome across units, by
    Johnson's relative weights with bootstrap intervals over units. Each unit enters with
    its mean of every predictor and of the outcome over the window; a predictor known for
    fewer than 30 units is left out and named, and units missing any predictor left are
    left out of the model."""
    scope, table, _, _, _ = await _table(session, actor, query)
    unit_ids = {u.id for u in table.units}
    candidates: list[tuple[str, str, dict[tuple[uuid.UUID, int], float]]] = [
        (m, "ex_factor", _ex_values(table, m))
        for m in table.measures
        if m not in (ENGAGEMENT, "enps")
    ]
    candidates += [(s, "listening", _signal_values(table, s)) for s in LISTENING_SIGNALS]
    outcome = _window_means(table.cx, unit_ids)
    columns: list[tuple[str, str, dict[uuid.UUID, float]]] = []
    left_out: list[LeftOut] = []
    for name, kind, values in candidates:
        means = _window_means(values, set(outcome))
        if len(means) < MIN_UNITS:
            left_out.append(
                LeftOut(
                    name=name,
                    reason=f"known for {len(means)} units with the outcome, fewer than {MIN_UNITS}",
                )
            )
            continue
        columns.append((name, kind, means))
    units = sorted(set.intersection(*(set(c[2]) for c in columns))) if columns else []
    x = np.array([[c[2][u] for c in columns] for u in units], dtype=np.float64)
    y = np.array([outcome[u] for u in units], dtype=np.float64)
    names = [c[0] for c in columns]
    result = (
        await asyncio.to_thread(_weights, x.reshape(len(units), len(columns)), y, names)
        if columns and len(units) >= 3
        else None
    )
    found: list[Driver] = []
    if result is not None and result.estimate.raw is not None:
        shares = result.estimate.rescaled or tuple(0.0 for _ in names)
        for i, (name, kind, _) in enumerate(columns):
            interval = result.rescaled[i] if result.rescaled else None
            found.append(
                Driver(
                    name=name,
                    kind=kind,
                    raw_weight=result.estimate.raw[i],
                    share=shares[i],
                    low=interval.low if interval else None,
                    high=interval.high if interval else None,
                )
            )
    found.sort(key=lambda d: -d.raw_weight)
    return DriverReport(
        unit=scope,
        cx_measure=query.cx,
        method=RWA_METHOD,
        r2=result.estimate.r2 if result else None,
        units=len(units),
        draws=result.usable_draws if result else 0,
        sufficient=len(units) >= MIN_UNITS,
        notice=_notice(actor.locale, len(units)),
        drivers=found,
        left_out=left_out,
    )
