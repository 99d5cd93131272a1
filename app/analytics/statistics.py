"""Statistics linking employee experience (EX) to customer experience (CX) per unit over time.

Pure numpy and scipy, no database: the caller hands over a `Panel`, one row per unit and
period with the unit's EX score and CX outcome (NaN where missing or suppressed).

Everything here describes associations: how CX moves together with EX, at the same time or
some periods later. Nothing here establishes that one brings about the other; the within-unit
figures only rule out explanations that are constant per unit (a region, a store's location,
its size) as the source of the association.

- `lagged` pairs EX at period t with CX at period t + lag of the same unit.
- `lag_associations` gives, per lag, the association between units, within units over time,
  and the naive pooled correlation (which mixes the two and is not the figure to lead with).
- `mixed_model` fits CX(t + lag) on EX(t) with random intercepts for region and unit, the EX
  term split into its within-unit and between-unit parts (the "hybrid" or Mundlak model).

Degenerate data (too few pairs, constant values, a single region) never raises: the figures
that cannot be computed are None. Fewer than `MIN_UNITS` units marks a result `insufficient`;
it is still computed and shown.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.analytics.mixed_model import MixedModelResult, fit_nested_intercepts

__all__ = [
    "MIN_UNITS",
    "Correlation",
    "LagAssociation",
    "LaggedPairs",
    "MixedModelResult",
    "Panel",
    "correlation",
    "lag_associations",
    "lagged",
    "mixed_model",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Fewer units than this and a linkage result is marked insufficient: the between-unit
# correlation's 95 % interval is then wider than ±0.35 around 0.
MIN_UNITS = 30
# Pearson r needs 4 pairs for its Fisher interval (the standard error is 1 / √(n − 3)).
MIN_PAIRS = 4
_Z95 = 1.959963984540054
# Sums of squares below this share of the values' squared magnitude count as zero variance.
_ZERO_VARIANCE = 1e-12


@dataclass(frozen=True)
class Panel:
    """One row per (unit, period); NaN where a value is missing or suppressed.

    - `unit`: int codes 0..U-1.
    - `region`: int codes 0..R-1, the unit's region (constant per unit).
    - `period`: int ordinal periods; consecutive months are consecutive integers.
    - `ex`: the unit's EX score in that period.
    - `cx`: the unit's CX outcome in that period.

    Raises ValueError when the arrays differ in length or a (unit, period) repeats: those
    are the caller's mistakes, not properties of the data.
    """

    unit: npt.NDArray[np.integer]
    region: npt.NDArray[np.integer]
    period: npt.NDArray[np.integer]
    ex: FloatArray
    cx: FloatArray

    def __post_init__(self) -> None:
        sizes = {np.shape(a) for a in (self.unit, self.region, self.period, self.ex, self.cx)}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ValueError(f"the panel's columns must be 1-D and of one length: {sizes}")
        if len(self.unit) and (np.min(self.unit) < 0 or np.min(self.region) < 0):
            raise ValueError("unit and region codes must be non-negative")
        if len(self.unit):
            span = int(np.max(self.period)) - int(np.min(self.period)) + 1
            keys = np.asarray(self.unit, np.int64) * span + (self.period - np.min(self.period))
            if np.unique(keys).size != keys.size:
                raise ValueError("a (unit, period) appears more than once in the panel")


@dataclass(frozen=True)
class Correlation:
    """Pearson r with its 95 % interval from Fisher's z: tanh(atanh r ± 1.96 / √(n − 3)).

    `n` is the number of pairs (or, for a within-unit correlation, the effective number, see
    `LagAssociation`). `r`, `low` and `high` are None when n < 4 or either side has zero
    variance."""

    r: float | None
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class LaggedPairs:
    """EX at period t paired with CX at period t + lag of the same unit, both present.

    `period` is t, the EX period. A negative lag pairs EX with earlier CX (CX leads)."""

    lag: int
    unit: IntArray
    region: IntArray
    period: IntArray
    ex: FloatArray
    cx: FloatArray


@dataclass(frozen=True)
class LagAssociation:
    """The EX–CX association at one lag (CX at t + lag against EX at t).

    - `between`: Pearson r across units of each unit's mean EX and mean lagged CX (over its
      pairs); n = units. The association of a unit's typical EX with its typical CX.
    - `within`: Pearson r of EX and lagged CX each minus the unit's mean, over units with at
      least 2 pairs: the association over time inside units, free of anything constant per
      unit. Its interval uses the effective n = observations − units + 1 (the unit means
      take one degree of freedom each beyond the one an ordinary correlation takes).
      Removing each unit's own mean over a short series pulls the within r slightly below
      0 where there is no association (by about −r(true lag) / T at other lags for T pairs
      per unit); read small negative values at the other lags in that light.
    - `pooled`: Pearson r over all pairs, mixing differences between units with changes
      over time; reported for comparison, not the figure to lead with (a regional difference
      in both EX and CX makes it large with no association over time at all).
    - `units`, `observations`: units with at least one pair, and pairs.
    - `insufficient`: fewer than `MIN_UNITS` units.
    """

    lag: int
    between: Correlation
    within: Correlation
    pooled: Correlation
    units: int
    observations: int
    insufficient: bool


def _fisher(r: float, n: int) -> Correlation:
    clipped = float(min(max(r, -1.0), 1.0))
    if abs(clipped) == 1.0:
        return Correlation(r=clipped, low=clipped, high=clipped, n=n)
    z = float(np.arctanh(clipped))
    half = _Z95 / np.sqrt(n - 3)
    return Correlation(r=clipped, low=float(np.tanh(z - half)), high=float(np.tanh(z + half)), n=n)


def _centred_correlation(x: FloatArray, y: FloatArray, n: int) -> Correlation:
    """Correlation of vectors already centred (their means removed); `n` for the interval."""
    sxx = float(x @ x)
    syy = float(y @ y)
    if n < MIN_PAIRS or sxx <= 0.0 or syy <= 0.0:
        return Correlation(r=None, low=None, high=None, n=n)
    return _fisher(float(x @ y) / np.sqrt(sxx * syy), n)


def _negligible(centred: FloatArray, values: FloatArray) -> bool:
    return float(centred @ centred) <= _ZERO_VARIANCE * max(float(values @ values), 1e-300)


def correlation(x: npt.ArrayLike, y: npt.ArrayLike) -> Correlation:
    """Pearson r of the pairs where both values are present, with its Fisher 95 % interval."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    n = int(xs.size)
    if n < MIN_PAIRS:
        return Correlation(r=None, low=None, high=None, n=n)
    xc, yc = xs - xs.mean(), ys - ys.mean()
    if _negligible(xc, xs) or _negligible(yc, ys):
        return Correlation(r=None, low=None, high=None, n=n)
    return _centred_correlation(xc, yc, n)


def _grid(panel: Panel) -> tuple[FloatArray, FloatArray, IntArray, int]:
    """EX and CX as units × periods grids (NaN where absent), each unit's region, first period."""
    units = int(np.max(panel.unit)) + 1 if len(panel.unit) else 0
    first = int(np.min(panel.period)) if len(panel.period) else 0
    span = int(np.max(panel.period)) - first + 1 if len(panel.period) else 0
    ex = np.full((units, span), np.nan)
    cx = np.full((units, span), np.nan)
    unit = np.asarray(panel.unit, np.int64)
    column = np.asarray(panel.period, np.int64) - first
    ex[unit, column] = panel.ex
    cx[unit, column] = panel.cx
    region = np.full(units, -1, np.int64)
    region[unit] = panel.region
    return ex, cx, region, first


def lagged(panel: Panel, lag: int) -> LaggedPairs:
    """EX at period t of each unit paired with CX at t + `lag` of the same unit.

    Only pairs with both values present are kept; the order is by unit, then period.
    `lag` = 1: this period's EX with next period's CX. `lag` = −1: with last period's CX.
    """
    ex, cx, region, first = _grid(panel)
    span = ex.shape[1]
    if abs(lag) >= span:
        empty_int = np.zeros(0, np.int64)
        empty = np.zeros(0)
        return LaggedPairs(lag, empty_int, empty_int, empty_int, empty, empty)
    if lag >= 0:
        ex_part, cx_part, start = ex[:, : span - lag], cx[:, lag:], 0
    else:
        ex_part, cx_part, start = ex[:, -lag:], cx[:, : span + lag], -lag
    present = np.isfinite(ex_part) & np.isfinite(cx_part)
    unit, column = np.nonzero(present)
    return LaggedPairs(
        lag=lag,
        unit=unit.astype(np.int64),
        region=region[unit],
        period=(column + start + first).astype(np.int64),
        ex=ex_part[present],
        cx=cx_part[present],
    )


def _unit_means(unit: IntArray, values: FloatArray, counts: FloatArray) -> FloatArray:
    sums = np.bincount(unit, weights=values, minlength=counts.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(sums / counts, dtype=np.float64)


def _associations(pairs: LaggedPairs) -> LagAssociation:
    counts = np.bincount(pairs.unit).astype(np.float64)
    ex_mean = _unit_means(pairs.unit, pairs.ex, counts)
    cx_mean = _unit_means(pairs.unit, pairs.cx, counts)
    present = counts > 0
    units = int(present.sum())
    between = correlation(ex_mean[present], cx_mean[present])
    repeated = counts[pairs.unit] >= 2
    ex_within = (pairs.ex - ex_mean[pairs.unit])[repeated]
    cx_within = (pairs.cx - cx_mean[pairs.unit])[repeated]
    within_units = int((counts >= 2).sum())
    effective = int(repeated.sum()) - within_units + 1
    if _negligible(ex_within, pairs.ex[repeated]) or _negligible(cx_within, pairs.cx[repeated]):
        within = Correlation(r=None, low=None, high=None, n=max(effective, 0))
    else:
        within = _centred_correlation(ex_within, cx_within, max(effective, 0))
    return LagAssociation(
        lag=pairs.lag,
        between=between,
        within=within,
        pooled=correlation(pairs.ex, pairs.cx),
        units=units,
        observations=int(pairs.ex.size),
        insufficient=units < MIN_UNITS,
    )


def lag_associations(panel: Panel, lags: Iterable[int] = range(-2, 3)) -> list[LagAssociation]:
    """The EX–CX association at each lag (CX at t + lag against EX at t), in the given order.

    A positive lag looks at CX after EX, a negative one at CX before EX: an association
    that is there at +1 and not at −1 fits EX moving first, without showing why."""
    return [_associations(lagged(panel, lag)) for lag in lags]


def mixed_model(panel: Panel, lag: int = 1) -> MixedModelResult:
    """CX(t + lag) on EX(t) with random intercepts for region and unit (REML).

    The fixed effects are an intercept, EX_within (EX minus the unit's mean EX over its
    pairs) and EX_unit_mean: the hybrid (Mundlak) decomposition. The within slope is the
    association over time inside units, the between slope that across units beyond what
    regions share. Units with fewer than 2 pairs carry no within-unit information and are
    left out (`units_dropped`). See `app.analytics.mixed_model` for the estimation.
    """
    pairs = lagged(panel, lag)
    counts = np.bincount(pairs.unit).astype(np.float64)
    keep = counts[pairs.unit] >= 2 if pairs.unit.size else np.zeros(0, bool)
    dropped = int(((counts > 0) & (counts < 2)).sum())
    unit = pairs.unit[keep]
    ex = pairs.ex[keep]
    ex_mean = _unit_means(unit, ex, counts)[unit] if unit.size else ex
    return fit_nested_intercepts(
        y=pairs.cx[keep],
        ex_within=ex - ex_mean,
        ex_unit_mean=ex_mean,
        unit=unit,
        region=pairs.region[keep],
        lag=lag,
        units_dropped=dropped,
        min_units=MIN_UNITS,
    )
