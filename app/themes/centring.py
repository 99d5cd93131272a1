"""Taking each language's offset out of the model's vectors, so that Finnish and English
meet.

multilingual-e5 places every Finnish text apart from every English one along a few shared
directions; a translation is then often less similar to its original than an unrelated
text in the same language. Subtracting the mean vector of the text's language (and
renormalising) removes that: on the project's bilingual evaluation set the nearest Finnish
insight to an English one is its translation in about 97 % of cases centred against 89 %
raw (`bench/results/themes_quality.md`).

The offsets belong to the model, not to a corpus: they are measured once on the demo's
Finnish and English texts (`tools/calibrate_language_means.py`) and shipped in
`language_means.json`, keyed by the embedder's name. An embedder without offsets there is
used as it is. Vectors are stored centred: search, themes and thresholds all see one space.
"""

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

MEANS_FILE = Path(__file__).with_name("language_means.json")


@cache
def language_means(model: str) -> dict[str, Vectors]:
    """The offset of each language the model was calibrated for; empty when it was not."""
    if not MEANS_FILE.exists():
        return {}
    stored = json.loads(MEANS_FILE.read_text(encoding="utf-8"))
    return {
        language: np.asarray(values, dtype=np.float32)
        for language, values in stored.get(model, {}).items()
    }


def centred(vectors: Vectors, languages: Sequence[str | None], model: str) -> Vectors:
    """Each row minus its language's offset, back to unit length. A text of unknown or
    uncalibrated language takes the mean of all the offsets."""
    means = language_means(model)
    if not means or len(vectors) == 0:
        return vectors
    fallback: Vectors = np.mean(np.stack(list(means.values())), axis=0).astype(np.float32)
    offsets = np.stack([means.get(language or "", fallback) for language in languages])
    shifted = vectors.astype(np.float32) - offsets
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return cast(Vectors, (shifted / np.maximum(norms, 1e-12)).astype(np.float32))
