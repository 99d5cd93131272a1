"""Johnson's (2000) relative weights: how the R² of a linear model divides among its predictors.

Pure numpy, no database. The predictors are first replaced by their closest orthonormal
counterparts Z (Z = X R⁻¹ᐟ², R the predictors' correlation matrix); the outcome is regressed
on Z, and each Z's share of R² is given back to the predictors in proportion to their squared
correlations with that Z. The raw weights sum to R²; rescaled, they are percentages of it.

A weight describes how much of the outcome's variance the predictor accounts for together
with its correlated neighbours: an association, never a statement of what would follow from
changing the predictor.

Degenerate data never raises: rows with a missing value are left out (listwise); a constant
predictor carries no information and gets weight 0 (the others are computed without it);
perfectly collinear predictors share through the pseudo-inverse; a constant outcome or fewer
than three complete rows gives None fields.

Reference: J. W. Johnson (2000), "A heuristic method for estimating the relative weight of
predictor variables in multiple regression", Multivariate Behavioral Research 35(1), 1-19.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Eigenvalues of the correlation matrix below this (relative to the largest) count as zero:
# the predictors are collinear in that direction.
_EIGEN_TOLERANCE = 1e-10
# Variance below this (relative to the squared mean magnitude) counts as constant.
_CONSTANT_TOLERANCE = 1e-12
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20001
_MIN_ROWS = 3


@dataclass(frozen=True)
class RelativeWeights:
    """Relative weights of the predictors in the linear association with the outcome.

    - `predictors`: the predictors' names, in the columns' order.
    - `r2`: the model's R² (the share of the outcome's variance the predictors account for
      together); None when it cannot be computed (constant outcome, fewer than 3 rows).
    - `raw`: each predictor's share of R²; they sum to `r2`.
    - `rescaled`: `raw` as a percentage of `r2` (sums to 100); None when `r2` is 0 or None.
    - `n`: the complete rows used.
    """

    predictors: tuple[str, ...]
    r2: float | None
    raw: tuple[float, ...] | None
    rescaled: tuple[float, ...] | None
    n: int


@dataclass(frozen=True)
class WeightInterval:
    """A 95 % bootstrap percentile interval (2.5th and 97.5th percentiles of the draws)."""

    low: float
    high: float


@dataclass(frozen=True)
class BootstrapRelativeWeights:
    """Relative weights with 95 % percentile intervals from resampling the rows.

    - `estimate`: the weights on the data as given.
    - `r2`: the interval of R²; `raw` and `rescaled`: one interval per predictor. None when the
      estimate itself is None or fewer than half of the draws could be computed.
    - `draws`: resamples drawn; `usable_draws`: those whose weights could be computed (a
      resample can make a predictor constant); `seed`: the generator's seed, so the same
      call gives the same intervals.
    """

    estimate: RelativeWeights
    r2: WeightInterval | None
    raw: tuple[WeightInterval, ...] | None
    rescaled: tuple[WeightInterval, ...] | None
    draws: int
    usable_draws: int
    seed: int


def _names(count: int, names: Sequence[str] | None) -> tuple[str, ...]:
    if names is None:
        return tuple(f"x{i + 1}" for i in range(count))
    if len(names) != count:
        raise ValueError(f"{len(names)} names for {count} predictors")
    return tuple(names)


def _complete(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim == 1:
        xs = xs[:, None]
    if xs.ndim != 2 or ys.ndim != 1 or xs.shape[0] != ys.shape[0]:
        raise ValueError(
            f"X must be rows × predictors and y one value a row: {xs.shape}, {ys.shape}"
        )
    keep = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
    return xs[keep], ys[keep]


def _weights_from_correlations(rxx: FloatArray, rxy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R² and raw weights, batched: `rxx` is (..., p, p), `rxy` (..., p); NaN-free inputs.

    Rxx = V Λ V'; Λxz = V Λ^½ V' holds the correlations of the predictors with their
    orthonormal counterparts; β = Λxz⁺ rxy the outcome's regression on those; raw weights
    Λxz² β². Directions with a zero eigenvalue (collinear predictors) are left out.
    """
    eigenvalues, vectors = np.linalg.eigh(rxx)
    top = np.maximum(eigenvalues.max(axis=-1, keepdims=True), 0.0)
    usable = eigenvalues > _EIGEN_TOLERANCE * np.maximum(top, 1.0)
    root = np.sqrt(np.where(usable, eigenvalues, 0.0))
    inverse_root = np.where(usable, 1.0 / np.where(usable, root, 1.0), 0.0)
    vt = np.swapaxes(vectors, -1, -2)
    lambda_xz = (vectors * root[..., None, :]) @ vt
    lambda_inverse = (vectors * inverse_root[..., None, :]) @ vt
    beta = (lambda_inverse @ rxy[..., None])[..., 0]
    raw = (lambda_xz**2) @ (beta**2)[..., None]
    return (beta**2).sum(axis=-1), raw[..., 0]


def _constant(columns: FloatArray) -> npt.NDArray[np.bool_]:
    """Columns whose variance is rounding noise next to their values' squared magnitude."""
    centred = columns - columns.mean(axis=0)
    scale = (columns**2).mean(axis=0)
    return np.asarray((centred**2).mean(axis=0) <= _CONSTANT_TOLERANCE * scale)


def _point(xs: FloatArray, ys: FloatArray, names: tuple[str, ...]) -> RelativeWeights:
    n, p = xs.shape
    if n < _MIN_ROWS or _constant(ys[:, None])[0]:
        return RelativeWeights(predictors=names, r2=None, raw=None, rescaled=None, n=n)
    varying = ~_constant(xs)
    raw = np.zeros(p)
    r2 = 0.0
    if varying.any():
        corr = np.corrcoef(np.column_stack([xs[:, varying], ys]), rowvar=False)
        r2_value, raw_varying = _weights_from_correlations(corr[:-1, :-1], corr[:-1, -1])
        r2 = float(r2_value)
        raw[varying] = raw_varying
    rescaled = tuple(float(w) for w in 100.0 * raw / r2) if r2 > 0 else None
    return RelativeWeights(
        predictors=names,
        r2=r2,
        raw=tuple(float(w) for w in raw),
        rescaled=rescaled,
        n=n,
    )


def relative_weights(
    x: npt.ArrayLike, y: npt.ArrayLike, names: Sequence[str] | None = None
) -> RelativeWeights:
    """Johnson's relative weights of the columns of `x` (rows × predictors) for `y`.

    Rows with any missing value are left out. `names` label the columns (x1, x2, ... if not
    given)."""
    xs, ys = _complete(x, y)
    return _point(xs, ys, _names(xs.shape[1], names))


def _interval(values: FloatArray) -> tuple[WeightInterval, ...]:
    low, high = np.percentile(values, [2.5, 97.5], axis=0)
    return tuple(
        WeightInterval(low=float(a), high=float(b)) for a, b in zip(low, high, strict=True)
    )


def bootstrap_relative_weights(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> BootstrapRelativeWeights:
    """Relative weights with 95 % percentile intervals from `draws` resamples of the rows.

    Each row is one unit, so resampling rows resamples units. All draws are computed at once:
    the weights need only the correlation matrix, which each resample's row counts give from
    the rows' cross-products (one matrix product for every draw), and the eigendecompositions
    run batched. A resample in which a predictor or the outcome is constant is not usable and
    is left out of the percentiles (`usable_draws` says how many remain).
    """
    xs, ys = _complete(x, y)
    estimate = _point(xs, ys, _names(xs.shape[1], names))
    empty = BootstrapRelativeWeights(
        estimate=estimate, r2=None, raw=None, rescaled=None, draws=draws, usable_draws=0, seed=seed
    )
    if estimate.r2 is None or draws < 1:
        return empty
    n, p = xs.shape
    # A predictor constant in the data has weight 0 in every resample too.
    varying = ~_constant(xs)
    data = np.column_stack([xs[:, varying], ys])
    q = data.shape[1]
    # Standardised first, so that the moments below lose no precision to large means.
    spread = data.std(axis=0)
    data = (data - data.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(draws, n))
    offsets = (np.arange(draws) * n)[:, None]
    weights = np.bincount((rows + offsets).ravel(), minlength=draws * n).reshape(draws, n) / n
    means = weights @ data
    products = (data[:, :, None] * data[:, None, :]).reshape(n, q * q)
    cov = (weights @ products).reshape(draws, q, q) - means[:, :, None] * means[:, None, :]
    variances = np.diagonal(cov, axis1=1, axis2=2)
    usable = (variances > _CONSTANT_TOLERANCE).all(axis=1)
    if usable.sum() * 2 < draws:
        return empty
    cov = cov[usable]
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    r2 = np.zeros(int(usable.sum()))
    raw = np.zeros((r2.size, p))
    if q > 1:
        r2, raw[:, varying] = _weights_from_correlations(corr[:, :-1, :-1], corr[:, :-1, -1])
    positive = r2 > 0
    rescaled = 100.0 * raw[positive] / r2[positive, None]
    return BootstrapRelativeWeights(
        estimate=estimate,
        r2=_interval(r2[:, None])[0],
        raw=_interval(raw),
        rescaled=_interval(rescaled) if positive.any() else None,
        draws=draws,
        usable_draws=int(usable.sum()),
        seed=seed,
    )
