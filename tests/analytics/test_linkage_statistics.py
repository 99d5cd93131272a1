"""The EX–CX linkage statistics on synthetic panels with a known answer. No database.

The panels plant a one-period lagged association, CX(t + 1) = a + b·EX(t) + region + unit
+ noise, and a regional confounder: a region's level shifts both EX and CX, so that the
naive pooled correlation is strongly positive even when b = 0.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from app.analytics.statistics import (
    MIN_UNITS,
    Panel,
    correlation,
    lag_associations,
    lagged,
    mixed_model,
)

SEEDS = range(10)
PLANTED = 0.3


def synthetic_panel(
    seed: int,
    b: float,
    units: int = 120,
    regions: int = 8,
    periods: int = 12,
    missing: float = 0.05,
) -> Panel:
    """Units in regions over `periods` months; CX(t + 1) = 2 + b·EX(t) + region + unit + noise.

    EX varies around its unit's level independently from month to month; the region's
    level (sd 1) moves EX (by 0.8 of it) and CX alike. A share `missing` of the EX and of the
    CX values are NaN (suppressed)."""
    rng = np.random.default_rng(seed)
    region_of_unit = np.arange(units) % regions
    region_level = rng.normal(0.0, 1.0, regions)
    unit_ex = rng.normal(0.0, 0.3, units)
    unit_cx = rng.normal(0.0, 0.4, units)
    # EX for one month before the first, so that the first CX has an EX to follow.
    ex = 3.5 + (0.8 * region_level[region_of_unit] + unit_ex)[:, None]
    ex = ex + rng.normal(0.0, 0.5, (units, periods + 1))
    cx = 2.0 + b * ex[:, :-1] + (region_level[region_of_unit] + unit_cx)[:, None]
    cx = cx + rng.normal(0.0, 0.6, (units, periods))
    ex = ex[:, 1:]
    ex[rng.random(ex.shape) < missing] = np.nan
    cx[rng.random(cx.shape) < missing] = np.nan
    unit = np.repeat(np.arange(units), periods)
    return Panel(
        unit=unit,
        region=region_of_unit[unit],
        period=np.tile(np.arange(periods), units) + 24_300,
        ex=ex.ravel(),
        cx=cx.ravel(),
    )


def test_the_within_unit_slope_covers_the_planted_association() -> None:
    covered = 0
    for seed in SEEDS:
        result = mixed_model(synthetic_panel(seed, PLANTED), lag=1)
        assert result.converged
        assert result.within is not None
        covered += result.within.low <= PLANTED <= result.within.high
    assert covered >= 8, f"covered in {covered} of {len(SEEDS)}"


def test_with_no_association_the_interval_holds_zero_though_pooled_r_is_high() -> None:
    holds_zero = 0
    for seed in SEEDS:
        panel = synthetic_panel(seed, 0.0)
        result = mixed_model(panel, lag=1)
        assert result.within is not None
        holds_zero += result.within.low <= 0.0 <= result.within.high
        pooled = lag_associations(panel, [1])[0].pooled
        # The region moves both: the naive pooled r is clearly positive.
        assert pooled.r is not None and pooled.low is not None
        assert pooled.r > 0.3 and pooled.low > 0.2, f"seed {seed}: {pooled}"
    assert holds_zero >= 8, f"zero inside in {holds_zero} of {len(SEEDS)}"


def test_a_lag_of_one_shows_at_plus_one_not_minus_one() -> None:
    panel = synthetic_panel(1, PLANTED)
    by_lag = {a.lag: a for a in lag_associations(panel)}
    assert list(by_lag) == [-2, -1, 0, 1, 2]
    plus, minus = by_lag[1].within, by_lag[-1].within
    assert plus.r is not None and plus.low is not None and plus.low > 0.1
    # Demeaning within units over 11 pairs pulls the other lags slightly below 0 (about
    # −0.02 on average here, −0.09 in this draw), far from the planted lag's r.
    assert minus.r is not None and abs(minus.r) < 0.12
    others = [a.within.r for lag, a in by_lag.items() if lag != 1]
    assert all(r is not None and r < plus.r - 0.15 for r in others)
    assert by_lag[1].units == 120 and by_lag[1].observations > 1000
    assert by_lag[1].within.n == by_lag[1].observations - by_lag[1].units + 1
    assert by_lag[1].between.n == 120
    ahead = mixed_model(panel, lag=1).within
    behind = mixed_model(panel, lag=-1).within
    assert ahead is not None and behind is not None
    assert ahead.p_value < 1e-6 and abs(behind.estimate) < ahead.estimate / 2


def test_lagged_pairs_ex_now_with_cx_later() -> None:
    panel = Panel(
        unit=np.array([0, 0, 0, 1, 1]),
        region=np.array([0, 0, 0, 1, 1]),
        period=np.array([5, 6, 7, 6, 7]),
        ex=np.array([1.0, 2.0, 3.0, 10.0, np.nan]),
        cx=np.array([100.0, 200.0, 300.0, 1000.0, 2000.0]),
    )
    ahead = lagged(panel, 1)
    assert list(ahead.unit) == [0, 0, 1]
    assert list(ahead.period) == [5, 6, 6]
    assert list(zip(ahead.ex, ahead.cx, strict=True)) == [(1, 200), (2, 300), (10, 2000)]
    behind = lagged(panel, -1)
    assert list(zip(behind.ex, behind.cx, strict=True)) == [(2, 100), (3, 200)]
    assert list(behind.period) == [6, 7]
    assert list(lagged(panel, 0).cx) == [100, 200, 300, 1000]
    assert lagged(panel, 5).ex.size == 0


def test_fewer_than_the_minimum_of_units_is_insufficient_yet_computed() -> None:
    panel = synthetic_panel(3, PLANTED, units=20, regions=4)
    result = mixed_model(panel, lag=1)
    assert MIN_UNITS == 30
    assert result.insufficient and result.units == 20
    assert result.within is not None
    association = lag_associations(panel, [1])[0]
    assert association.insufficient and association.within.r is not None
    assert not mixed_model(synthetic_panel(3, PLANTED), lag=1).insufficient


def test_the_fisher_interval() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    result = correlation(x, y)
    reference = stats.pearsonr(x, y)
    interval = reference.confidence_interval(0.95)
    assert result.n == 40
    assert result.r == pytest.approx(reference.statistic, abs=1e-12)
    assert (result.low, result.high) == pytest.approx((interval.low, interval.high), abs=1e-9)
    z = np.arctanh(reference.statistic)
    assert result.low == pytest.approx(np.tanh(z - 1.96 / np.sqrt(37)), abs=1e-4)
    # r = 0.5 with n = 28: atanh(0.5) ± 1.96 / 5.
    known = correlation(*_pairs_with_r(0.5, 28))
    assert known.r == pytest.approx(0.5)
    assert known.low == pytest.approx(np.tanh(np.arctanh(0.5) - 1.959964 / 5), abs=1e-6)
    assert known.high == pytest.approx(np.tanh(np.arctanh(0.5) + 1.959964 / 5), abs=1e-6)


def _pairs_with_r(r: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, n))
    a = (a - a.mean()) / np.linalg.norm(a - a.mean())
    b = b - b.mean() - (b @ a) * a
    b /= np.linalg.norm(b)
    return a, r * a + np.sqrt(1 - r * r) * b


def test_degenerate_data_gives_none_not_errors() -> None:
    assert correlation([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]).r is None
    assert correlation([1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]).r is None
    assert correlation([1.0, 2.0, np.nan, 4.0, 5.0], [1.0, 2.0, 3.0, np.nan, 5.0]).n == 3

    flat = synthetic_panel(2, PLANTED)
    steady = Panel(flat.unit, flat.region, flat.period, np.full(flat.ex.size, 3.0), flat.cx)
    result = mixed_model(steady, lag=1)
    assert (result.within, result.between) == (None, None)
    association = lag_associations(steady, [1])[0]
    assert association.within.r is None and association.pooled.r is None

    one_region = Panel(flat.unit, np.zeros_like(flat.region), flat.period, flat.ex, flat.cx)
    single = mixed_model(one_region, lag=1)
    assert single.within is not None and single.region_variance is None and single.regions == 1

    empty = Panel(*(np.zeros(0, np.int64) for _ in range(3)), np.zeros(0), np.zeros(0))
    assert mixed_model(empty).within is None and not mixed_model(empty).converged
    assert lag_associations(empty, [1])[0].between.r is None

    tiny = Panel(
        unit=np.array([0, 0, 1, 1]),
        region=np.array([0, 0, 0, 0]),
        period=np.array([0, 1, 0, 1]),
        ex=np.array([1.0, 2.0, 3.0, 5.0]),
        cx=np.array([1.0, 2.0, 2.0, 1.0]),
    )
    assert mixed_model(tiny, lag=1).within is None
    assert mixed_model(tiny, lag=1).units_dropped == 2

    with pytest.raises(ValueError, match="more than once"):
        Panel(np.array([0, 0]), np.array([0, 0]), np.array([1, 1]), np.ones(2), np.ones(2))


def test_the_fit_is_the_one_statsmodels_finds() -> None:
    """Same model in statsmodels' MixedLM (groups = region, a variance component per unit)."""
    panel = synthetic_panel(4, PLANTED, units=60, regions=6)
    ours = mixed_model(panel, lag=1)
    pairs = lagged(panel, 1)
    means = np.bincount(pairs.unit, pairs.ex) / np.bincount(pairs.unit)
    data = pd.DataFrame(
        {
            "cx": pairs.cx,
            "within": pairs.ex - means[pairs.unit],
            "between": means[pairs.unit],
            "unit": pairs.unit,
            "region": pairs.region,
        }
    )
    model = MixedLM.from_formula(
        "cx ~ within + between",
        data,
        groups="region",
        re_formula="1",
        vc_formula={"unit": "0 + C(unit)"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = model.fit(reml=True, method="lbfgs")
    assert theirs.converged and ours.converged
    assert ours.within is not None and ours.between is not None and ours.intercept is not None
    assert ours.intercept == pytest.approx(theirs.fe_params["Intercept"], abs=1e-4)
    assert ours.within.estimate == pytest.approx(theirs.fe_params["within"], abs=1e-5)
    assert ours.between.estimate == pytest.approx(theirs.fe_params["between"], abs=1e-4)
    assert ours.within.se == pytest.approx(theirs.bse_fe["within"], rel=1e-3)
    # The between slope's standard error is the usual σ²(X'V⁻¹X)⁻¹ at the REML estimates;
    # statsmodels inverts the whole observed information, variance parameters included,
    # which widens a unit-level term's error when there are few regions. Held here to the
    # dense GLS formula with statsmodels' variance estimates instead.
    design = np.column_stack([np.ones(len(data)), data["within"], data["between"]])
    same_unit = data["unit"].to_numpy()[:, None] == data["unit"].to_numpy()[None, :]
    same_region = data["region"].to_numpy()[:, None] == data["region"].to_numpy()[None, :]
    v = (
        theirs.scale * np.eye(len(data))
        + theirs.vcomp[0] * same_unit
        + theirs.cov_re.iloc[0, 0] * same_region
    )
    gls = np.linalg.inv(design.T @ np.linalg.solve(v, design))
    assert ours.between.se == pytest.approx(np.sqrt(gls[2, 2]), rel=2e-3)
    assert ours.within.se == pytest.approx(np.sqrt(gls[1, 1]), rel=2e-3)
    assert ours.between.se == pytest.approx(theirs.bse_fe["between"], rel=0.25)
    assert ours.log_likelihood == pytest.approx(theirs.llf, abs=1e-4)
    assert ours.log_likelihood >= theirs.llf - 1e-7
    assert ours.residual_variance == pytest.approx(theirs.scale, rel=1e-3)
    assert ours.unit_variance == pytest.approx(theirs.vcomp[0], rel=1e-2)
    assert ours.region_variance == pytest.approx(theirs.cov_re.iloc[0, 0], rel=1e-2)
    assert ours.observations == len(data) and ours.units == 60 and ours.regions == 6


def test_a_panel_without_unit_or_region_differences_fits_at_the_boundary() -> None:
    rng = np.random.default_rng(9)
    units, periods = 80, 12
    ex = rng.normal(3.5, 0.5, (units, periods + 1))
    cx = 2.0 + PLANTED * ex[:, :-1] + rng.normal(0.0, 0.6, (units, periods))
    unit = np.repeat(np.arange(units), periods)
    panel = Panel(unit, unit % 5, np.tile(np.arange(periods), units), ex[:, 1:].ravel(), cx.ravel())
    result = mixed_model(panel, lag=1)
    assert result.converged
    assert result.within is not None and result.within.low <= PLANTED <= result.within.high
    assert result.unit_variance is not None and result.unit_variance < 0.05
    assert result.region_variance is not None and result.region_variance < 0.05
