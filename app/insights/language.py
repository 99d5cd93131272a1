"""Detects the language of posted text among the languages our organisations write in.

The detector's models take about 130 MB: a process loads them when it first needs them,
not at start (an API process that only reads never does), and that first load, about a
second of work, runs in a worker thread rather than stopping the event loop
(`language_of`).
"""

import threading
from functools import lru_cache
from typing import Any

import anyio.to_thread

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


_loaded = threading.Event()


def warm_up() -> None:
    """Load the language models now rather than on the first detection."""
    _detector().detect_language_of("tervetuloa")
    _loaded.set()


async def language_of(text: str) -> str | None:
    """`detect_language` for async code: in the event loop once the models are loaded
    (a fraction of a millisecond), in a worker thread while they are not."""
    if not _loaded.is_set():
        return await anyio.to_thread.run_sync(_detect_after_loading, text)
    return detect_language(text)


def _detect_after_loading(text: str) -> str | None:
    warm_up()
    return detect_language(text)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it is too short or too ambiguous to tell."""
    if len(text.split()) < MIN_WORDS:
        return None
    language = _detector().detect_language_of(text[:SAMPLE_CHARS])
    return None if language is None else SUPPORTED.get(language.name)
