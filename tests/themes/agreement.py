"""Adjusted Rand index: how far two labellings of the same items agree beyond chance."""

from collections.abc import Sequence

import numpy as np


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


def adjusted_rand_index(
    found: Sequence[int] | np.ndarray, truth: Sequence[object] | np.ndarray
) -> float:
    """1 for the same partition, about 0 for chance. Each NO_THEME (-1) row stands alone,
    so leaving an insight without a theme never counts as agreeing."""
    found = np.asarray(found).copy()
    loose = np.flatnonzero(found == -1)
    found[loose] = found.max(initial=0) + 1 + np.arange(len(loose))
    _, found_index = np.unique(found, return_inverse=True)
    _, truth_index = np.unique(np.asarray(truth), return_inverse=True)
    table = np.zeros((found_index.max() + 1, truth_index.max() + 1))
    np.add.at(table, (found_index, truth_index), 1)
    together = _pairs(table)
    found_pairs, truth_pairs = _pairs(table.sum(axis=1)), _pairs(table.sum(axis=0))
    expected = found_pairs * truth_pairs / _pairs(np.array([len(found)]))
    best = (found_pairs + truth_pairs) / 2
    if best == expected:
        return 1.0
    return (together - expected) / (best - expected)
