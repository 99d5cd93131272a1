"""Detects the language of posted text among the languages our organisations write in."""

from functools import lru_cache
from typing import Any

# Fewer candidate languages make detection of short texts far more reliable.
SUPPORTED = {"FINNISH": "fi", "SWEDISH": "sv", "ENGLISH": "en"}
MIN_WORDS = 3
# The opening of a text decides its language as well as the whole does, at a fraction of the cost.
SAMPLE_CHARS = 400


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in SUPPORTED]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(0.05)
        .build()
    )


def warm_up() -> None:
    """Load the language models now rather than on the first post."""
    _detector().detect_language_of("tervetuloa")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it is too short or too ambiguous to tell."""
    if len(text.split()) < MIN_WORDS:
        return None
    language = _detector().detect_language_of(text[:SAMPLE_CHARS])
    return None if language is None else SUPPORTED.get(language.name)
