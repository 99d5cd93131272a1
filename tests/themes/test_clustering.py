import numpy as np
import pytest

from app.themes import clustering
from app.themes.clustering import (
    NO_THEME,
    centroid,
    find_themes,
    language_centred,
    nearest_theme,
)
from tests.themes.agreement import adjusted_rand_index

DIMENSIONS = 384


def _blobs(
    sizes: list[int], *, spread: float = 0.9, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around random directions, one blob per size, shuffled."""
    generator = np.random.default_rng(seed)
    directions = generator.normal(size=(len(sizes), DIMENSIONS))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    generator.shuffle(truth)
    vectors = directions[truth] + spread * generator.normal(size=(len(truth), DIMENSIONS))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), truth


def test_clear_blobs_are_found() -> None:
    vectors, truth = _blobs([30, 25, 20, 15, 10])
    labels = find_themes(vectors, ["fi"] * len(vectors))
    assert adjusted_rand_index(labels, truth) > 0.95
    assert set(labels) == {0, 1, 2, 3, 4}


def test_clear_blobs_are_found_through_kmeans_in_a_large_corpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clustering, "DIRECT_AGGLOMERATION_LIMIT", 100)
    vectors, truth = _blobs([400, 300, 200, 100, 50, 30])
    labels = find_themes(vectors, ["en"] * len(vectors))
    assert adjusted_rand_index(labels, truth) > 0.95


def test_the_same_input_gives_the_same_themes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clustering, "DIRECT_AGGLOMERATION_LIMIT", 100)
    vectors, _ = _blobs([200, 150, 100], spread=1.5)
    languages = ["fi", "en"] * 225
    assert np.array_equal(find_themes(vectors, languages), find_themes(vectors, languages))


def test_themes_are_numbered_largest_first_and_small_groups_wait() -> None:
    vectors, truth = _blobs([20, 40, 2, 30, 25, 35])
    labels = find_themes(vectors, [None] * len(vectors), min_size=3)
    assert set(labels[truth == 1]) == {0}
    assert set(labels[truth == 0]) == {4}
    assert set(labels[truth == 2]) == {NO_THEME}


def test_a_theme_written_in_two_languages_is_one_theme() -> None:
    vectors, truth = _blobs([24, 24, 24, 24], spread=0.7)
    languages = np.array(["fi", "en"] * 48)
    # Each language pushes its texts along a direction of its own, as the model does.
    offset = np.random.default_rng(3).normal(size=DIMENSIONS).astype(np.float32)
    shifted = vectors + np.where(languages == "fi", 1.0, -1.0)[:, None] * offset * 0.15
    shifted /= np.linalg.norm(shifted, axis=1, keepdims=True)
    labels = find_themes(shifted, list(languages))
    assert adjusted_rand_index(labels, truth) > 0.95


def test_language_centring_removes_each_languages_mean() -> None:
    vectors, _ = _blobs([10, 10])
    centred = language_centred(vectors, ["fi"] * 10 + ["en"] * 10)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    finnish_mean = centred[:10].mean(axis=0)
    assert np.linalg.norm(finnish_mean) < 0.2 * np.linalg.norm(vectors[:10].mean(axis=0))


def test_an_arriving_vector_finds_its_themes_centroid() -> None:
    vectors, truth = _blobs([20, 20, 20])
    centroids = np.stack([centroid(vectors[truth == theme]) for theme in range(3)])
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-5)
    index, similarity = nearest_theme(vectors[5], centroids)
    assert index == truth[5]
    assert similarity == pytest.approx(float(centroids[index] @ vectors[5]))


def test_no_vectors_no_themes() -> None:
    assert find_themes(np.zeros((0, DIMENSIONS), dtype=np.float32), []).shape == (0,)
