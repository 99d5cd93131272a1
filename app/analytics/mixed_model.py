"""A linear mixed model with random intercepts for units nested in regions, fitted by REML.

    y = Xβ + a_region + b_unit + e,   a ~ N(0, σ²θr), b ~ N(0, σ²θu), e ~ N(0, σ²)

The same model statsmodels' `MixedLM` fits (groups = region, a variance component for the
unit), with the same restricted likelihood, but computed from the data's sufficient
statistics: with two nested random intercepts the covariance of a region's rows is
σ²(I + θu·blockdiag(J) + θr·J), whose inverse and determinant follow in closed form from
each unit's row count. Units with the same row count enter alike, so one evaluation of the
likelihood costs a few products of (regions × row counts × 4) arrays, whatever the number
of units. The two variance ratios are found by Nelder-Mead within their bounds (θ ≥ 0),
restarted once where it stopped: about 100 cheap evaluations, a few milliseconds for 1,000
units and no BLAS call large enough to be threaded (statsmodels takes seconds for the same
fit). tests/analytics/test_linkage_statistics.py holds the two to the same figures.

The fixed effects' 95 % intervals and p-values are Wald's, from the normal distribution, as
statsmodels gives them; their covariance is σ²(X'H⁻¹X)⁻¹ at the REML estimates.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_Z95 = 1.959963984540054
_ZERO_VARIANCE = 1e-12
METHOD = (
    "linear mixed model, REML: CX(t+lag) ~ 1 + EX_within + EX_unit_mean"
    " + (1 | region) + (1 | unit within region); EX_within = EX(t) minus the unit's mean EX"
    " over its pairs (hybrid/Mundlak decomposition); units with fewer than 2 pairs left out;"
    " Wald 95 % intervals and p-values (normal)"
)


@dataclass(frozen=True)
class Slope:
    """A fixed-effect coefficient: estimate, standard error, Wald 95 % interval, p-value
    (two-sided, against no association)."""

    estimate: float
    se: float
    low: float
    high: float
    p_value: float


@dataclass(frozen=True)
class MixedModelResult:
    """The fit of CX(t + lag) on EX(t) with random intercepts for region and unit.

    - `within`: the within-unit slope, the coefficient of EX_within: how much CX differs, on
      average, in periods when a unit's EX is one point above its own mean. The figure to
      lead with; None when it cannot be estimated (no unit's EX varies, or no fit).
    - `between`: the coefficient of EX_unit_mean: how CX differs between units of the same
      region whose mean EX differs by one point. None when the unit means do not vary.
    - `intercept`: the fixed intercept.
    - `residual_variance`, `unit_variance`, `region_variance`: the variance components
      (region None when there is only one region: it cannot be told from the intercept).
    - `log_likelihood`: the maximised REML log-likelihood (statsmodels' `llf` for the model).
    - `observations`, `units`, `regions`: what the model was fitted on.
    - `units_dropped`: units left out for having fewer than 2 pairs.
    - `converged`: the optimiser reported convergence and nothing warned.
    - `insufficient`: fewer units than the linkage's minimum; the figures are still given.
    - `method`: the model, in words.
    """

    lag: int
    within: Slope | None
    between: Slope | None
    intercept: float | None
    residual_variance: float | None
    unit_variance: float | None
    region_variance: float | None
    log_likelihood: float | None
    observations: int
    units: int
    regions: int
    units_dropped: int
    converged: bool
    insufficient: bool
    method: str = METHOD


@dataclass(frozen=True)
class _Sufficient:
    """What the restricted likelihood needs, grouped by how many rows a unit has (a panel
    of 12 periods has at most 12 such sizes, whatever its number of units):

    - `cross`: the design and outcome's cross-products (q × q, q = fixed effects + 1, the
      outcome last);
    - `sizes`: the distinct row counts c of the units;
    - `sum_products`: per size, Σ S S' over its units' column sums S (sizes × q × q);
    - `region_sums`: per region and size, Σ S over those units (regions × sizes × q);
    - `region_units`: per region and size, how many units (regions × sizes).
    """

    cross: FloatArray
    sizes: FloatArray
    sum_products: FloatArray
    region_sums: FloatArray
    region_units: FloatArray
    regions: int
    n: int
    p: int


@dataclass(frozen=True)
class _Evaluation:
    deviance: float
    beta: FloatArray
    xhx: FloatArray
    rss: float


def _evaluate(s: _Sufficient, theta_unit: float, theta_region: float) -> _Evaluation | None:
    """−2 × the REML log-likelihood (σ² profiled out, constants dropped) at the two ratios."""
    d = 1.0 + s.sizes * theta_unit
    g = s.cross - np.einsum("c,cij->ij", theta_unit / d, s.sum_products)
    logdet = float(np.log(d) @ s.region_units.sum(axis=0))
    if theta_region > 0.0:
        t = np.einsum("kcq,c->kq", s.region_sums, 1.0 / d)
        weight = s.region_units @ (s.sizes / d)
        shrink = theta_region / (1.0 + theta_region * weight)
        g = g - np.einsum("k,ki,kj->ij", shrink, t, t)
        logdet += float(np.log1p(theta_region * weight).sum())
    p = s.p
    xhx = g[:p, :p]
    try:
        chol = np.linalg.cholesky(xhx)
    except np.linalg.LinAlgError:
        return None
    beta = np.asarray(np.linalg.solve(xhx, g[:p, p]), dtype=np.float64)
    rss = float(g[p, p] - g[:p, p] @ beta)
    if not np.isfinite(rss) or rss <= 0.0:
        return None
    dof = s.n - p
    deviance = dof * np.log(rss / dof) + logdet + 2.0 * float(np.log(np.diag(chol)).sum())
    return _Evaluation(deviance=float(deviance), beta=beta, xhx=xhx, rss=rss)


def _start(
    cross: FloatArray, sums: FloatArray, counts: FloatArray, region_of_unit: IntArray, p: int
) -> tuple[float, float]:
    """Moment estimates of the two ratios from the ordinary least squares residuals' unit and
    region means: where the optimiser starts."""
    n = float(counts.sum())
    beta = np.linalg.lstsq(cross[:p, :p], cross[:p, p], rcond=None)[0]
    sigma2 = max(float(cross[p, p] - cross[:p, p] @ beta), 1e-12) / max(n - p, 1.0)
    unit_means = (sums[:, p] - sums[:, :p] @ beta) / counts
    between_units = float(np.var(unit_means)) - sigma2 / float(np.mean(counts))
    rows = np.bincount(region_of_unit, weights=counts)
    region_means = np.bincount(region_of_unit, weights=unit_means * counts) / np.maximum(rows, 1)
    return max(between_units / sigma2, 0.05), max(float(np.var(region_means)) / sigma2, 0.05)


def _slope(beta: FloatArray, cov: FloatArray, index: int | None) -> Slope | None:
    if index is None:
        return None
    estimate = float(beta[index])
    se = float(np.sqrt(cov[index, index]))
    if not (np.isfinite(estimate) and np.isfinite(se)) or se <= 0.0:
        return None
    return Slope(
        estimate=estimate,
        se=se,
        low=estimate - _Z95 * se,
        high=estimate + _Z95 * se,
        p_value=math.erfc(abs(estimate) / se / math.sqrt(2.0)),
    )


def _varies(values: FloatArray) -> bool:
    centred = values - values.mean()
    return float(centred @ centred) > _ZERO_VARIANCE * max(float(values @ values), 1e-300)


def fit_nested_intercepts(
    *,
    y: FloatArray,
    ex_within: FloatArray,
    ex_unit_mean: FloatArray,
    unit: IntArray,
    region: IntArray,
    lag: int,
    units_dropped: int,
    min_units: int,
) -> MixedModelResult:
    """Fit y on [1, ex_within, ex_unit_mean] with random intercepts for region and unit.

    A column that does not vary is left out of the design and its slope is None; with one
    region its variance is fixed at 0 (indistinguishable from the intercept)."""
    unit_codes, unit_index = np.unique(unit, return_inverse=True)
    units = int(unit_codes.size)
    region_of_unit = np.zeros(units, np.int64)
    region_of_unit[unit_index] = region
    region_codes, region_of_unit = np.unique(region_of_unit, return_inverse=True)
    regions = int(region_codes.size)
    n = int(y.size)
    columns = [np.ones(n)]
    within_index = between_index = None
    if n and _varies(ex_within):
        within_index = len(columns)
        columns.append(ex_within)
    if n and _varies(ex_unit_mean):
        between_index = len(columns)
        columns.append(ex_unit_mean)
    p = len(columns)
    empty = MixedModelResult(
        lag=lag,
        within=None,
        between=None,
        intercept=None,
        residual_variance=None,
        unit_variance=None,
        region_variance=None,
        log_likelihood=None,
        observations=n,
        units=units,
        regions=regions,
        units_dropped=units_dropped,
        converged=False,
        insufficient=units < min_units,
    )
    if units < 2 or n < p + 3:
        return empty
    data = np.column_stack([*columns, y])
    q = p + 1
    sums = np.zeros((units, q))
    np.add.at(sums, unit_index, data)
    counts = np.bincount(unit_index, minlength=units)
    sizes, size_of_unit = np.unique(counts, return_inverse=True)
    cross = data.T @ data
    region_sums = np.zeros((regions, sizes.size, q))
    np.add.at(region_sums, (region_of_unit, size_of_unit), sums)
    sum_products = np.zeros((sizes.size, q, q))
    np.add.at(sum_products, size_of_unit, sums[:, :, None] * sums[:, None, :])
    region_units = np.zeros((regions, sizes.size))
    np.add.at(region_units, (region_of_unit, size_of_unit), 1.0)
    s = _Sufficient(
        cross=cross,
        sizes=sizes.astype(np.float64),
        sum_products=sum_products,
        region_sums=region_sums,
        region_units=region_units,
        regions=regions,
        n=n,
        p=p,
    )
    many_regions = regions > 1

    def deviance(theta: FloatArray) -> float:
        evaluation = _evaluate(s, float(theta[0]), float(theta[1]) if many_regions else 0.0)
        return np.inf if evaluation is None else evaluation.deviance

    start_unit, start_region = _start(cross, sums, counts.astype(np.float64), region_of_unit, p)
    start = np.array([start_unit, start_region] if many_regions else [start_unit])
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        bounds = [(0.0, None)] * start.size
        options = {"xatol": 1e-8, "fatol": 1e-10, "maxfev": 4000}
        first = optimize.minimize(
            deviance, start, method="Nelder-Mead", bounds=bounds, options=options
        )
        # Restarted where it stopped, with a fresh simplex: a simplex that collapsed early
        # moves on, one at the optimum stays.
        found = optimize.minimize(
            deviance, first.x, method="Nelder-Mead", bounds=bounds, options=options
        )
        settled = bool(first.success and found.success and first.fun - found.fun < 1e-6)
        theta_unit = float(found.x[0])
        theta_region = float(found.x[1]) if many_regions else 0.0
        final = _evaluate(s, theta_unit, theta_region)
    if final is None or not np.isfinite(found.fun):
        return empty
    sigma2 = final.rss / (n - p)
    cov = np.asarray(sigma2 * np.linalg.inv(final.xhx), dtype=np.float64)
    return MixedModelResult(
        lag=lag,
        within=_slope(final.beta, cov, within_index),
        between=_slope(final.beta, cov, between_index),
        intercept=float(final.beta[0]),
        residual_variance=sigma2,
        unit_variance=theta_unit * sigma2,
        region_variance=theta_region * sigma2 if many_regions else None,
        log_likelihood=-0.5 * (final.deviance + (n - p) * (1.0 + np.log(2.0 * np.pi))),
        observations=n,
        units=units,
        regions=regions,
        units_dropped=units_dropped,
        converged=settled and not caught,
        insufficient=units < min_units,
    )
