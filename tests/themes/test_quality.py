"""Quality of the default embedder and of find_themes on the bilingual evaluation set.

Every insight of the set is written in English and in Finnish; its theme is known. Run with
`-s` to see the figures; bench/themes_quality.py compares them with alternatives.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.themes.clustering import find_themes, language_centred
from app.themes.embedder import load_embedder
from tests.themes.agreement import adjusted_rand_index

DATA = Path(__file__).with_name("bilingual_insights.json")


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    insights = json.loads(DATA.read_text(encoding="utf-8"))["insights"]
    english = [insight["en"] for insight in insights]
    finnish = [insight["fi"] for insight in insights]
    vectors = load_embedder(None).embed(english + finnish)
    return {
        "vectors": vectors,
        "languages": ["en"] * len(english) + ["fi"] * len(finnish),
        "themes": [insight["theme"] for insight in insights] * 2,
        "count": len(insights),
    }


def translation_found(vectors: np.ndarray, count: int) -> float:
    """How often an English insight's nearest Finnish insight is its translation."""
    similarities = vectors[:count] @ vectors[count:].T
    return float((similarities.argmax(axis=1) == np.arange(count)).mean())


def test_an_english_insights_nearest_finnish_one_is_its_translation(
    evaluation: dict[str, Any],
) -> None:
    vectors, count = evaluation["vectors"], evaluation["count"]
    centred = language_centred(vectors, evaluation["languages"])
    raw_accuracy = translation_found(vectors, count)
    accuracy = translation_found(centred, count)
    print(f"\nnearest Finnish is the translation: {accuracy:.3f} centred, {raw_accuracy:.3f} raw")
    assert accuracy >= 0.90


@pytest.mark.xfail(
    strict=True,
    reason=(
        "multilingual-e5-small (4-bit) separates these themes too weakly: even the true "
        "themes' own centroids, left one out, give an adjusted Rand index of only 0.26 "
        "(nearest-centroid accuracy 0.53); find_themes reaches 0.16. The bar stays for a "
        "stronger embedder; strict, so passing it is noticed."
    ),
)
def test_themes_found_agree_with_the_true_themes(evaluation: dict[str, Any]) -> None:
    labels = find_themes(evaluation["vectors"], evaluation["languages"])
    agreement = adjusted_rand_index(labels, evaluation["themes"])
    print(
        f"\nthemes found: {labels.max() + 1} (true {len(set(evaluation['themes']))}), "
        f"without a theme {int((labels == -1).sum())}, adjusted Rand index {agreement:.3f}"
    )
    assert agreement >= 0.6
