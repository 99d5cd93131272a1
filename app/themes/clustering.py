"""Themes found in insight vectors: language centring, clustering and assignment on arrival.

Pure numpy and scipy, no database: the caller passes vectors in and stores labels out.
"""

from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage  # type: ignore[import-untyped]
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

Vectors = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]

NO_THEME = -1
# Two groups are one theme while their members are, on average, at most this cosine distance
# apart (average linkage on language-centred vectors, whose mean is zero, so unrelated
# insights sit near distance 1). On the bilingual evaluation set (16 themes, 384 texts) the
# adjusted Rand index is flat from 0.88 to 0.94 (0.160 to 0.167); 0.92 gives 26 themes with
# one insight left over, nearer the true 16 than 0.88's 45 themes and 13 left over.
THEME_DISTANCE = 0.92
# Up to this many insights are agglomerated point by point (an n×n distance matrix of
# 3,000 is 36 MB); above it, spherical k-means first cuts the corpus into
# OVERCLUSTERS_PER_ROOT × sqrt(n) small groups, which are agglomerated by the same rule.
# The groups must be small beside a theme, or a theme is swallowed by its neighbours: the
# evaluation set forced through this path agrees with its themes at 0.08 with 2 × sqrt(n)
# groups, 0.11 with 4 × and 0.17 with 8 × (0.16 agglomerated directly). With 6 ×, 100,000
# insights make 1,897 groups of about 50, clustered in under a minute on 2 busy cores.
DIRECT_AGGLOMERATION_LIMIT = 3000
OVERCLUSTERS_PER_ROOT = 6.0
KMEANS_ITERATIONS = 25
# Once no more than this share of rows change group, further rounds only polish the cut that
# agglomeration merges anyway.
KMEANS_SETTLED_SHARE = 0.001
KMEANS_SEED_SAMPLE = 20_000
KMEANS_CHUNK_ROWS = 8192
RANDOM_SEED = 20261201
# An arriving insight joins the nearest theme when its centred vector is at least this
# similar to the theme's centroid; below it, it waits for the next re-clustering. On the
# evaluation set (leave-one-out centroids of the true themes) 0.30 lets 28 % of insights in
# at once, 80 % of them into the right theme; 0.25 lets 46 % in at 71 %, 0.35 16 % at 90 %.
ASSIGN_SIMILARITY = 0.30
# Stored vectors (centred on the model's language offsets, `app.themes.centring`) at least
# this similar are flagged as a likely duplicate. On the evaluation set every one of 12
# same-language rewrites of an insight reaches it (0.68 to 0.97), no two insights of
# different themes do (the highest of 73,000 pairs is 0.55), and about one translation pair
# in six does (median 0.43): a translation is usually found as the nearest, not flagged.
LIKELY_DUPLICATE_SIMILARITY = 0.60
# Similar insights are listed from this similarity up (centred vectors). On the evaluation
# set 96 % of translation pairs reach it and a third of the pairs that do share a theme;
# lower, unrelated insights crowd the list (at 0.15 five of six listed are unrelated).
SHOW_SIMILARITY = 0.25


def _normalised(vectors: npt.NDArray[np.floating]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return cast(Vectors, (vectors / np.maximum(norms, 1e-12)).astype(np.float32))


def language_centred(vectors: Vectors, languages: Sequence[str | None]) -> Vectors:
    """Each vector minus the mean vector of its language in this corpus, renormalised.

    The model places Finnish and English apart along a few directions shared by every text
    of a language; taking each language's mean away lets a theme's Finnish and English
    insights meet. Rows with no known language are centred on the mean of all rows.

    Similarity search should compare centred vectors too: on the evaluation set an English
    insight's nearest Finnish one is its translation in 96.9 % of cases centred, 89.1 % raw.
    The offsets belong to the model, not the corpus: means taken from half of the themes
    centre the other half as well (95.8 % and 96.9 %), so stored means can serve new rows.
    """
    keys = np.array(["" if language is None else language for language in languages])
    centred = vectors.astype(np.float32, copy=True)
    for language in np.unique(keys):
        rows = keys == language
        if language == "":
            centred[rows] -= vectors.mean(axis=0)
        else:
            centred[rows] -= vectors[rows].mean(axis=0)
    return _normalised(centred)


def centroid(vectors: Vectors) -> Vectors:
    """The unit-length mean direction of `vectors` (rows), for assignment on arrival."""
    return cast(Vectors, _normalised(vectors.mean(axis=0, keepdims=True))[0])


def nearest_theme(vector: Vectors, centroids: Vectors) -> tuple[int, float]:
    """The index of the most similar centroid (rows) and the cosine similarity to it.

    Both must be in the same space (centred the same way). The caller compares the
    similarity with ASSIGN_SIMILARITY.
    """
    similarities = centroids @ vector
    best = int(np.argmax(similarities))
    return best, float(similarities[best])


def find_themes(vectors: Vectors, languages: Sequence[str | None], *, min_size: int = 3) -> Labels:
    """A theme label per row (0 the largest theme), NO_THEME for groups smaller than min_size.

    Deterministic for the same input: the k-means seeding uses a fixed seed.
    """
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.int64)
    centred = language_centred(vectors, languages)
    if len(vectors) <= DIRECT_AGGLOMERATION_LIMIT:
        groups = _agglomerated_points(centred)
    else:
        overclusters = _spherical_kmeans(centred, _overcluster_count(len(vectors)))
        groups = _agglomerated_groups(centred, overclusters)[overclusters]
    return _ranked(groups, min_size)


def _agglomerated_points(vectors: Vectors) -> Labels:
    if len(vectors) == 1:
        return np.zeros(1, dtype=np.int64)
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    return cast(Labels, fcluster(tree, t=THEME_DISTANCE, criterion="distance").astype(np.int64))


def _overcluster_count(n: int) -> int:
    return min(n, max(2, round(OVERCLUSTERS_PER_ROOT * float(np.sqrt(n)))))


def _agglomerated_groups(vectors: Vectors, groups: Labels) -> Labels:
    """Average linkage over groups of unit vectors, exactly as over their points.

    The mean cosine distance between the points of two groups is 1 − m_a·m_b, with m the
    groups' (unnormalised) mean vectors, so merging groups needs only their means and sizes.
    """
    count = int(groups.max()) + 1
    sizes = np.bincount(groups, minlength=count).astype(np.float64)
    means = np.zeros((count, vectors.shape[1]), dtype=np.float64)
    np.add.at(means, groups, vectors)
    means /= np.maximum(sizes, 1)[:, None]
    similarity = means @ means.T
    alive = sizes > 0
    np.fill_diagonal(similarity, -np.inf)
    similarity[~alive, :] = -np.inf
    similarity[:, ~alive] = -np.inf
    parent = np.arange(count)
    while True:
        flat = int(np.argmax(similarity))
        a, b = divmod(flat, count)
        if 1.0 - similarity[a, b] > THEME_DISTANCE:
            break
        means[a] = (sizes[a] * means[a] + sizes[b] * means[b]) / (sizes[a] + sizes[b])
        sizes[a] += sizes[b]
        parent[parent == b] = a
        similarity[b, :] = similarity[:, b] = -np.inf
        row = means @ means[a]
        row[similarity[a] == -np.inf] = -np.inf
        row[a] = -np.inf
        similarity[a, :] = similarity[:, a] = row
    return cast(Labels, parent.astype(np.int64))


def _spherical_kmeans(vectors: Vectors, k: int) -> Labels:
    """Groups of similar directions; memory stays at KMEANS_CHUNK_ROWS × k similarities."""
    generator = np.random.default_rng(RANDOM_SEED)
    centres = _kmeans_plus_plus(vectors, k, generator)
    assignment = np.full(len(vectors), -1, dtype=np.int64)
    for _ in range(KMEANS_ITERATIONS):
        previous = assignment
        assignment = _nearest_centres(vectors, centres)
        if np.count_nonzero(assignment != previous) <= KMEANS_SETTLED_SHARE * len(vectors):
            break
        # Each centre's sum of members as one sparse product: np.add.at is ten times slower.
        membership = csr_matrix(
            (np.ones(len(vectors), dtype=np.float32), (assignment, np.arange(len(vectors)))),
            shape=(k, len(vectors)),
        )
        sums = np.asarray(membership @ vectors, dtype=np.float32)
        empty = np.bincount(assignment, minlength=k) == 0
        # An emptied centre restarts at a random point rather than vanishing.
        sums[empty] = vectors[generator.choice(len(vectors), int(empty.sum()), replace=False)]
        centres = _normalised(sums)
    return assignment


def _kmeans_plus_plus(vectors: Vectors, k: int, generator: np.random.Generator) -> Vectors:
    """k-means++ seeding on a sample, which seeds as well and costs k passes over less."""
    sample_rows = min(len(vectors), KMEANS_SEED_SAMPLE)
    sample = vectors[np.sort(generator.choice(len(vectors), sample_rows, replace=False))]
    chosen = [int(generator.integers(sample_rows))]
    distance = np.maximum(1.0 - sample @ sample[chosen[0]], 0.0)
    for _ in range(1, k):
        total = float(distance.sum())
        if total <= 0.0:
            break
        chosen.append(int(generator.choice(sample_rows, p=distance / total)))
        distance = np.minimum(distance, np.maximum(1.0 - sample @ sample[chosen[-1]], 0.0))
    return sample[chosen].copy()


def _nearest_centres(vectors: Vectors, centres: Vectors) -> Labels:
    assignment = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), KMEANS_CHUNK_ROWS):
        chunk = vectors[start : start + KMEANS_CHUNK_ROWS]
        assignment[start : start + len(chunk)] = np.argmax(chunk @ centres.T, axis=1)
    return assignment


def _ranked(groups: Labels, min_size: int) -> Labels:
    """Labels renumbered by size, largest first (ties by first row), small groups NO_THEME."""
    _, first_row, inverse, sizes = np.unique(
        groups, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first_row, -sizes))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    labels = rank[inverse]
    labels[sizes[inverse] < min_size] = NO_THEME
    return cast(Labels, labels.astype(np.int64))
