"""Measure the embedder's offset per language on the demo's Finnish and English texts and
write them to app/themes/language_means.json (see app/themes/centring.py).

    .venv/bin/python tools/calibrate_language_means.py

The demo's texts, not the evaluation set's, so that the evaluation stays unseen.
"""

import json
import re

import numpy as np

from app.demo.content.themes import THEMES
from app.themes.centring import MEANS_FILE
from app.themes.embedder import load_embedder

_CHOICE = re.compile(r"\{([^{}|]*\|[^{}]*)\}")
_SLOT = re.compile(r"\{[^{}]*\}")


def _plain(template: str) -> str:
    """A template as one plausible text: the first of each choice, slots left out."""
    text = _CHOICE.sub(lambda m: m.group(1).split("|")[0], template)
    return re.sub(r"\s+", " ", _SLOT.sub("", text)).strip()


def main() -> None:
    texts: dict[str, list[str]] = {"fi": [], "en": []}
    for theme in THEMES:
        texts["fi"].extend(_plain(t.text) for t in theme.fi)
        texts["en"].extend(_plain(t.text) for t in theme.en)
        for answers in theme.resolutions.values():
            texts["fi"].extend(_plain(a) for a in answers)
    embedder = load_embedder(None)
    means = {
        language: [round(float(x), 6) for x in np.mean(embedder.embed(found), axis=0)]
        for language, found in texts.items()
    }
    stored = json.loads(MEANS_FILE.read_text(encoding="utf-8")) if MEANS_FILE.exists() else {}
    stored[embedder.name] = means
    MEANS_FILE.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    counts = {language: len(found) for language, found in texts.items()}
    print(f"{embedder.name}: offsets from {counts} texts written to {MEANS_FILE}")


if __name__ == "__main__":
    main()
