"""Johnson's relative weights, held to the published worked example of the R package `rwa`
(mtcars, mpg ~ cyl + disp + hp + gear), and their bootstrap intervals. No database."""

import numpy as np
import pytest

from app.analytics.relative_weights import bootstrap_relative_weights, relative_weights

# mtcars (R datasets): mpg, cyl, disp, hp, gear for the 32 cars, in the dataset's order.
MTCARS = np.array(
    [
        [21.0, 6, 160.0, 110, 4],  # Mazda RX4
        [21.0, 6, 160.0, 110, 4],  # Mazda RX4 Wag
        [22.8, 4, 108.0, 93, 4],  # Datsun 710
        [21.4, 6, 258.0, 110, 3],  # Hornet 4 Drive
        [18.7, 8, 360.0, 175, 3],  # Hornet Sportabout
        [18.1, 6, 225.0, 105, 3],  # Valiant
        [14.3, 8, 360.0, 245, 3],  # Duster 360
        [24.4, 4, 146.7, 62, 4],  # Merc 240D
        [22.8, 4, 140.8, 95, 4],  # Merc 230
        [19.2, 6, 167.6, 123, 4],  # Merc 280
        [17.8, 6, 167.6, 123, 4],  # Merc 280C
        [16.4, 8, 275.8, 180, 3],  # Merc 450SE
        [17.3, 8, 275.8, 180, 3],  # Merc 450SL
        [15.2, 8, 275.8, 180, 3],  # Merc 450SLC
        [10.4, 8, 472.0, 205, 3],  # Cadillac Fleetwood
        [10.4, 8, 460.0, 215, 3],  # Lincoln Continental
        [14.7, 8, 440.0, 230, 3],  # Chrysler Imperial
        [32.4, 4, 78.7, 66, 4],  # Fiat 128
        [30.4, 4, 75.7, 52, 4],  # Honda Civic
        [33.9, 4, 71.1, 65, 4],  # Toyota Corolla
        [21.5, 4, 120.1, 97, 3],  # Toyota Corona
        [15.5, 8, 318.0, 150, 3],  # Dodge Challenger
        [15.2, 8, 304.0, 150, 3],  # AMC Javelin
        [13.3, 8, 350.0, 245, 3],  # Camaro Z28
        [19.2, 8, 400.0, 175, 3],  # Pontiac Firebird
        [27.3, 4, 79.0, 66, 4],  # Fiat X1-9
        [26.0, 4, 120.3, 91, 5],  # Porsche 914-2
        [30.4, 4, 95.1, 113, 5],  # Lotus Europa
        [15.8, 8, 351.0, 264, 5],  # Ford Pantera L
        [19.7, 6, 145.0, 175, 5],  # Ferrari Dino
        [15.0, 8, 301.0, 335, 5],  # Maserati Bora
        [21.4, 4, 121.0, 109, 4],  # Volvo 142E
    ]
)
MPG = MTCARS[:, 0]
PREDICTORS = MTCARS[:, 1:]
NAMES = ("cyl", "disp", "hp", "gear")


def test_the_rwa_worked_example() -> None:
    """rwa::rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear")): R² 0.7791896 and raw weights
    0.2284797, 0.2221469, 0.2321744, 0.0963886."""
    result = relative_weights(PREDICTORS, MPG, names=NAMES)
    assert result.predictors == NAMES
    assert result.n == 32
    assert result.r2 == pytest.approx(0.7791896, abs=1e-6)
    assert result.raw == pytest.approx((0.2284797, 0.2221469, 0.2321744, 0.0963886), abs=1e-6)
    assert result.rescaled is not None
    assert sum(result.raw) == pytest.approx(result.r2, abs=1e-12)
    assert sum(result.rescaled) == pytest.approx(100.0)
    assert result.rescaled[0] == pytest.approx(100 * 0.2284797 / 0.7791896, abs=1e-4)


def test_r2_is_that_of_ordinary_least_squares() -> None:
    design = np.column_stack([np.ones(32), PREDICTORS])
    fitted = design @ np.linalg.lstsq(design, MPG, rcond=None)[0]
    r2 = 1 - ((MPG - fitted) ** 2).sum() / ((MPG - MPG.mean()) ** 2).sum()
    assert relative_weights(PREDICTORS, MPG).r2 == pytest.approx(r2, abs=1e-12)


def test_degenerate_data_gives_zeros_or_none_never_an_error() -> None:
    constant = np.column_stack([PREDICTORS, np.full(32, 7.0)])
    with_constant = relative_weights(constant, MPG)
    assert with_constant.raw is not None
    assert with_constant.raw[-1] == 0.0
    assert with_constant.raw[:-1] == pytest.approx(relative_weights(PREDICTORS, MPG).raw)

    twice = relative_weights(np.column_stack([PREDICTORS, PREDICTORS[:, 0]]), MPG)
    assert twice.raw is not None and twice.r2 is not None
    assert all(np.isfinite(twice.raw))
    assert twice.raw[0] == pytest.approx(twice.raw[-1])
    assert twice.r2 == pytest.approx(relative_weights(PREDICTORS, MPG).r2)

    flat = relative_weights(PREDICTORS, np.full(32, 20.0))
    assert (flat.r2, flat.raw, flat.rescaled) == (None, None, None)
    assert relative_weights(PREDICTORS[:2], MPG[:2]).r2 is None

    gaps = PREDICTORS.copy()
    gaps[3, 1] = np.nan
    assert relative_weights(gaps, MPG).n == 31
    assert relative_weights(gaps, MPG).r2 == pytest.approx(
        relative_weights(np.delete(PREDICTORS, 3, axis=0), np.delete(MPG, 3)).r2
    )


def test_bootstrap_intervals_hold_the_estimates_and_repeat_for_a_seed() -> None:
    result = bootstrap_relative_weights(PREDICTORS, MPG, names=NAMES, draws=500, seed=7)
    assert result.estimate == relative_weights(PREDICTORS, MPG, names=NAMES)
    assert result.draws == 500
    assert result.usable_draws == 500
    assert result.raw is not None and result.rescaled is not None and result.r2 is not None
    assert result.estimate.raw is not None and result.estimate.rescaled is not None
    for interval, point in zip(result.raw, result.estimate.raw, strict=True):
        assert interval.low < point < interval.high
    for interval, point in zip(result.rescaled, result.estimate.rescaled, strict=True):
        assert interval.low < point < interval.high
    assert result.r2.low < 0.7791896 < result.r2.high
    assert bootstrap_relative_weights(PREDICTORS, MPG, names=NAMES, draws=500, seed=7) == result
    assert bootstrap_relative_weights(PREDICTORS, MPG, names=NAMES, draws=500, seed=8) != result


def test_bootstrap_draws_match_the_weights_of_each_resample() -> None:
    """The vectorised draws are the point estimate of each resample, computed one by one."""
    draws, seed = 5, 11
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 32, size=(draws, 32))
    singles = np.array([relative_weights(PREDICTORS[r], MPG[r]).raw for r in rows])
    result = bootstrap_relative_weights(PREDICTORS, MPG, draws=draws, seed=seed)
    assert result.raw is not None
    low, high = np.percentile(singles, [2.5, 97.5], axis=0)
    assert [i.low for i in result.raw] == pytest.approx(low, abs=1e-10)
    assert [i.high for i in result.raw] == pytest.approx(high, abs=1e-10)


def test_bootstrap_with_a_constant_predictor_gives_it_zero() -> None:
    constant = np.column_stack([PREDICTORS, np.full(32, 7.0)])
    result = bootstrap_relative_weights(constant, MPG, draws=200, seed=3)
    assert result.raw is not None
    assert (result.raw[-1].low, result.raw[-1].high) == (0.0, 0.0)
    flat = bootstrap_relative_weights(PREDICTORS, np.full(32, 1.0), draws=50)
    assert (flat.r2, flat.raw, flat.usable_draws) == (None, None, 0)


def test_the_weights_do_not_depend_on_the_scale_of_the_data() -> None:
    small = relative_weights(PREDICTORS * 1e-9, MPG * 1e-9)
    assert small.raw == pytest.approx(relative_weights(PREDICTORS, MPG).raw, abs=1e-9)
