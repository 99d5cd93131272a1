"""Readable Finnish and English theme labels from the words of a theme's insights.

Class-based TF-IDF (c-TF-IDF): each theme is one class; a stem scores by how many of the
theme's texts use it, weighted by how rare it is across all themes. A label shows each top
stem in the surface form the theme's texts use most ("sovituskopit", not "sovituskop").
"""

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]

Group = Sequence[tuple[str, str | None]]

LABEL_LANGUAGES = ("fi", "en")
# Letters only, so numbers never make a term; "self-checkout" and "don't" stay one word.
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
MIN_WORD_LENGTH = 3
PREFIX_STEM_LENGTH = 5

_ENGLISH_STOP_WORDS = """
        a about above after again against all also am an and any are aren't as at be because
        been before being below between both but by can can't cannot could couldn't did didn't
        do does doesn't doing don't down during each even every few for from further get gets
        got had hadn't has hasn't have haven't having he her here hers herself him himself his
        how i i'm if in into is isn't it it's its itself just let's like lot lots many may me
        more most much must mustn't my myself need needs no nor not now of off often on once
        one only or other our ours ourselves out over own quite really same she should
        shouldn't so some still such than that that's the their theirs them themselves then
        there there's these they they're this those through to too under until up us very was
        wasn't we we're were weren't what when where which while who whom why will with won't
        would wouldn't you you're your yours yourself yourselves
        """
_FINNISH_STOP_WORDS = """
        aina ei eikä eivät emme en enemmän ennen et ette että he heidän heidät heille heillä
        heiltä heitä hyvin hän hänen häntä hänelle hänellä ilman itse ja jo joka jonka jos
        joskus jotka jotta juuri kaikki kanssa kaikkien koska kuin kuinka kun lisäksi me
        meidän meille meillä meitä mikä miksi milloin mitä miten minä minun minulle minulla
        mukaan mutta muut myös ne niiden niin niitä nyt näin nämä ole olemme olen olet olette
        oli olimme olin olisi olisivat olit olitte olivat olla ollut on ovat paljon se sekä
        sen siellä siihen siinä siitä sille sillä siltä sinä sinun sitä sitten tai taas
        tämä tämän tässä tästä tähän te teidän teille teillä teitä todella tosi vaan vai vain
        vielä voi voisi voivat yli ihan aika kyllä jne koko
        """
_STOP_WORDS = {
    "en": frozenset(_ENGLISH_STOP_WORDS.split()),
    "fi": frozenset(_FINNISH_STOP_WORDS.split()),
}
_STEMMER_NAMES = {"fi": "finnish", "en": "english"}


def theme_labels(groups: Sequence[Group], *, terms: int = 3) -> list[tuple[str, str]]:
    """(label_fi, label_en) per group of (text, language): its `terms` most distinctive terms.

    A label in one language is made from that language's texts only. A group with no text in
    a language gets the other language's label in its place, so that no theme goes unnamed.
    Texts of another or unknown language count as Finnish or English by their stop words.
    The same groups give the same labels.
    """
    labels = {
        language: _labels_for(
            [
                [
                    text
                    for text, text_language in group
                    if _language_of(text, text_language) == language
                ]
                for group in groups
            ],
            language,
            terms,
        )
        for language in LABEL_LANGUAGES
    }
    return [
        (finnish or english, english or finnish)
        for finnish, english in zip(labels["fi"], labels["en"], strict=True)
    ]


def _language_of(text: str, language: str | None) -> str:
    if language in LABEL_LANGUAGES:
        return language
    words = [word.lower() for word in _WORD.findall(text)]
    finnish = sum(word in _STOP_WORDS["fi"] for word in words)
    english = sum(word in _STOP_WORDS["en"] for word in words)
    return "fi" if finnish > english else "en"


def _terms_of(text: str, language: str, stemmer: Any) -> dict[tuple[str, ...], str]:
    """Each term of `text` with the words it was written as.

    Two words next to each other ("fitting rooms", "self checkout") are a term of their own,
    which often names a theme better than either word alone.
    """
    stop_words = _STOP_WORDS[language]
    found: dict[tuple[str, ...], str] = {}
    previous: tuple[str, str] | None = None
    for word in (match.lower() for match in _WORD.findall(text)):
        if len(word) < MIN_WORD_LENGTH or word in stop_words:
            previous = None
            continue
        stem = stemmer.stemWord(word)
        found.setdefault((stem,), word)
        if previous is not None:
            found.setdefault((previous[0], stem), f"{previous[1]} {word}")
        previous = (stem, word)
    return found


def _labels_for(groups: list[list[str]], language: str, terms: int) -> list[str]:
    # A stemmer keeps the word it works on, so each call has its own: labels may be made
    # in two threads at once.
    stemmer = snowballstemmer.stemmer(_STEMMER_NAMES[language])
    # How many of a group's texts use a term, and the words each use for it.
    text_counts: list[Counter[tuple[str, ...]]] = []
    surfaces: list[dict[tuple[str, ...], Counter[str]]] = []
    for texts in groups:
        counts: Counter[tuple[str, ...]] = Counter()
        written: dict[tuple[str, ...], Counter[str]] = {}
        for text in texts:
            for term, surface in _terms_of(text, language, stemmer).items():
                counts[term] += 1
                written.setdefault(term, Counter())[surface] += 1
        text_counts.append(counts)
        surfaces.append(written)
    across_groups: Counter[tuple[str, ...]] = Counter()
    for counts in text_counts:
        across_groups.update(counts)
    nonempty = [counts for counts in text_counts if counts]
    average_size = sum(sum(c.values()) for c in nonempty) / max(len(nonempty), 1)
    labels = []
    for texts, counts, written in zip(groups, text_counts, surfaces, strict=True):
        total = sum(counts.values())
        scored = sorted(
            (
                # A term only one text of a group uses says little about the theme: it comes
                # after every term that two or more texts share.
                count == 1 and len(texts) > 1,
                -(count / total) * math.log(1 + average_size / across_groups[term]),
                term,
            )
            for term, count in counts.items()
        )
        chosen: list[tuple[str, ...]] = []
        for _, _, term in scored:
            if len(chosen) == terms:
                break
            if _absorbed(term, counts) or any(_overlap(term, other) for other in chosen):
                continue
            chosen.append(term)
        labels.append(", ".join(_most_written(written[term]) for term in chosen))
    return labels


def _absorbed(term: tuple[str, ...], counts: Counter[tuple[str, ...]]) -> bool:
    """A word that each of its texts writes inside the same two-word term: show that term."""
    return len(term) == 1 and any(
        len(other) == 2 and term[0] in other and count == counts[term]
        for other, count in counts.items()
    )


def _overlap(term: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Terms sharing a stem, or stems one of which begins the other.

    The Finnish stemmer leaves some inflections of one word apart ("itsepalvelukassa" and
    "itsepalvelukassan" give "itsepalveluk" and "itsepalvelukas").
    """
    return any(
        a.startswith(b) or b.startswith(a)
        for a in term
        for b in other
        if min(len(a), len(b)) >= PREFIX_STEM_LENGTH or a == b
    )


def _most_written(surfaces: Counter[str]) -> str:
    return min(surfaces.items(), key=lambda item: (-item[1], item[0]))[0]
