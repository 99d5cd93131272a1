"""Shape checks for the bilingual (English/Finnish) theme evaluation set."""

import json
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).with_name("bilingual_insights.json")
KINDS = {"observation", "customer_story", "idea", "problem"}


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_top_level(data):
    assert isinstance(data["about"], str) and data["about"].strip()
    assert len(data["themes"]) >= 10
    assert len(data["insights"]) >= 150


def test_themes_declared_once(data):
    keys = [t["key"] for t in data["themes"]]
    assert len(keys) == len(set(keys))
    for theme in data["themes"]:
        assert theme["name_en"].strip() and theme["name_fi"].strip()
        assert theme["journey_stage"].strip()


def test_each_theme_has_enough_items(data):
    counts = Counter(item["theme"] for item in data["insights"])
    for theme in data["themes"]:
        assert counts[theme["key"]] >= 8, theme["key"]


def test_ids_unique(data):
    ids = [item["id"] for item in data["insights"]]
    assert len(ids) == len(set(ids))


def test_items_reference_declared_themes_and_stages(data):
    themes = {t["key"] for t in data["themes"]}
    stages = {t["journey_stage"] for t in data["themes"]}
    for item in data["insights"]:
        assert item["theme"] in themes, item["id"]
        assert item["journey_stage"] in stages, item["id"]
        assert item["kind"] in KINDS, item["id"]


def test_texts_bilingual_and_sized(data):
    for item in data["insights"]:
        en, fi = item["en"].strip(), item["fi"].strip()
        assert en and fi, item["id"]
        assert en != fi, item["id"]
        for text in (en, fi):
            assert 5 <= len(text.split()) <= 60, item["id"]
