"""Charts drawn twice, as SVG and as PNG: what a reader of either picture would notice."""

import io
import xml.etree.ElementTree as ET
from statistics import pvariance

import pytest
from PIL import Image

from app.platform.chart_kinds import (
    MAX_COLUMNS,
    MAX_ROWS,
    NO_VALUE,
    ChartTooLarge,
    bar_line_chart,
    contrast_ratio,
    heat_map,
    sequential_fill,
    text_colour_on,
    trend_chart,
)
from app.platform.charts import Canvas, Rect, Text, text_width, truncate

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Kesä <&> "Åbo" – öljy'


def _parse(svg: str) -> ET.Element:
    # Our own output, not untrusted input: the standard parser is the point of the test.
    return ET.fromstring(svg)  # noqa: S314


def _svg(canvas: Canvas) -> ET.Element:
    return _parse(canvas.to_svg())


def _texts(root: ET.Element) -> list[str]:
    """What each text element shows: its tooltip, a <title> child, is not shown."""
    return [
        (t.text or "") + "".join(child.tail or "" for child in t) for t in root.iter(f"{SVG}text")
    ]


def _png(canvas: Canvas, scale: int = 2) -> Image.Image:
    image = Image.open(io.BytesIO(canvas.to_png(scale)))
    assert image.format == "PNG"
    return image


def _grid() -> Canvas:
    return heat_map(
        HOSTILE,
        ["Kassa", HOSTILE, "Erittäin pitkä teeman nimi, joka ei mahdu sarakkeeseen lainkaan"],
        ["Tilaus", "Nouto", "Jälkihoito ja seuranta"],
        [[0, 3, None], [7, 12.5, 40], [None, 1, 2]],
        note="Solut, joiden takana on alle viisi ihmistä, on piilotettu.",
    )


def test_the_svg_is_xml_with_an_accessible_name_and_escaped_text() -> None:
    canvas = bar_line_chart(
        HOSTILE, ["2026-03-02", HOSTILE], [1, 4], [2.5, None], "Insights", "Odotus", "h"
    )
    text = canvas.to_svg()
    root = _parse(text)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == HOSTILE
    assert root.findtext(f"{SVG}title") == HOSTILE
    assert HOSTILE in _texts(root)
    assert "<&>" not in text and "&lt;&amp;&gt;" in text
    assert "<script" not in text and "href" not in text


def test_control_characters_cannot_break_the_svg() -> None:
    canvas = trend_chart("a\x00b\x1bc", ["x\x0by"], [1])
    assert "a\ufffdb\ufffdc" in _svg(canvas).get("aria-label", "")


def test_bars_and_a_line_broken_where_there_is_no_value() -> None:
    canvas = bar_line_chart(
        "Trend",
        ["w1", "w2", "w3", "w4"],
        [1, 0, 3, 2],
        [2.0, None, 1.0, 0.5],
        "Insights",
        "Time to acknowledge",
        "h",
        line_data_values=[7200, None, 3600, 1800],
    )
    root = _svg(canvas)
    groups = {g.get("class"): g for g in root.iter(f"{SVG}g")}
    bars = groups["series insights"].findall(f"{SVG}rect")
    assert [(b.get("data-bucket"), b.get("data-value")) for b in bars] == [
        ("w1", "1"),
        ("w2", "0"),
        ("w3", "3"),
        ("w4", "2"),
    ]
    line = groups["series time-to-acknowledge"]
    assert len(line.findall(f"{SVG}polyline")) == 2
    points = line.findall(f"{SVG}circle")
    assert [p.get("data-value") for p in points] == ["7200", "3600", "1800"]


def test_a_trend_without_data_still_draws() -> None:
    canvas = trend_chart("Tyhjä", [], [])
    assert _svg(canvas).get("aria-label") == "Tyhjä"
    assert _png(canvas).size == (1280, 520)


def test_bars_need_one_value_per_label() -> None:
    with pytest.raises(ValueError, match="per label"):
        bar_line_chart("T", ["a", "b"], [1], None, "n", "", "")


def test_a_missing_cell_is_drawn_as_suppressed() -> None:
    root = _svg(_grid())
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("data-row") is not None]
    assert len(cells) == 9
    suppressed = [c for c in cells if c.get("data-suppressed") == "true"]
    assert [(c.get("data-row"), c.get("data-column")) for c in suppressed] == [
        ("Kassa", "Jälkihoito ja seuranta"),
        ("Erittäin pitkä teeman nimi, joka ei mahdu sarakkeeseen lainkaan", "Tilaus"),
    ]
    assert all(c.get("fill") == NO_VALUE and c.get("data-value") is None for c in suppressed)
    assert "suppressed" in (suppressed[0].findtext(f"{SVG}title") or "")
    assert _texts(root).count("–") == 2
    # The hatching that tells "no value" apart from a light colour without relying on hue.
    assert len(root.findall(f".//{SVG}g[@class='cells']/{SVG}path")) == 2


def test_cells_darken_with_their_value_and_keep_the_full_labels() -> None:
    root = _svg(_grid())
    fills = {
        c.get("data-value"): c.get("fill")
        for c in root.iter(f"{SVG}rect")
        if c.get("data-value") is not None
    }
    assert fills["0"] == sequential_fill(0) and fills["40"] == sequential_fill(1)
    texts = _texts(root)
    assert "12.5" in texts and HOSTILE in texts
    long_label = next(t for t in texts if t.startswith("Erittäin"))
    assert long_label.endswith("…") and text_width(long_label, 11) <= 180
    assert "Erittäin pitkä teeman nimi, joka ei mahdu sarakkeeseen lainkaan" in {
        t.findtext(f"{SVG}title") for t in root.iter(f"{SVG}text")
    }


def test_every_fill_of_the_scale_gets_text_of_at_least_aa_contrast() -> None:
    fills = [sequential_fill(k / 1000) for k in range(1001)]
    assert fills[0] != fills[-1]
    for fill in [*fills, NO_VALUE]:
        assert contrast_ratio(text_colour_on(fill), fill) >= 4.5, fill
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


def test_the_text_of_every_drawn_cell_passes_aa() -> None:
    root = _svg(_grid())
    cells = root.find(f".//{SVG}g[@class='cells']")
    assert cells is not None
    fill = ""
    for element in cells:
        if element.tag == f"{SVG}rect":
            fill = element.get("fill", "")
        elif element.tag == f"{SVG}text":
            assert contrast_ratio(element.get("fill", ""), fill) >= 4.5


def test_the_heat_map_refuses_more_than_it_can_show() -> None:
    many_rows = [f"r{i}" for i in range(MAX_ROWS + 1)]
    with pytest.raises(ChartTooLarge):
        heat_map("T", many_rows, ["c"], [[1] for _ in many_rows])
    many_columns = [f"c{j}" for j in range(MAX_COLUMNS + 1)]
    with pytest.raises(ChartTooLarge):
        heat_map("T", ["r"], many_columns, [[1] * len(many_columns)])
    with pytest.raises(ValueError, match="one cell per column"):
        heat_map("T", ["r"], ["a", "b"], [[1]])
    largest = heat_map(
        "T",
        [f"r{i}" for i in range(MAX_ROWS)],
        [f"c{j}" for j in range(MAX_COLUMNS)],
        [[i * j for j in range(MAX_COLUMNS)] for i in range(MAX_ROWS)],
    )
    assert largest.width <= 3200 and largest.height <= 1400


def test_the_png_is_the_canvas_at_scale_and_not_blank() -> None:
    canvas = _grid()
    image = _png(canvas, scale=2)
    assert image.size == (round(canvas.width * 2), round(canvas.height * 2))
    assert pvariance(image.convert("L").tobytes()) > 100
    assert _png(canvas, scale=1).size == (round(canvas.width), round(canvas.height))
    with pytest.raises(ValueError, match="scale"):
        canvas.to_png(scale=9)


def test_the_png_draws_the_marks_of_finnish_letters() -> None:
    def picture(content: str) -> bytes:
        canvas = Canvas(80, 40, "t")
        canvas.add(Text(10, 30, content, size=20))
        return _png(canvas, scale=1).convert("L").tobytes()

    def ink(content: str) -> int:
        return sum(255 - v for v in picture(content))

    missing = picture("\uffff")
    for plain, accented in [("a", "ä"), ("o", "ö"), ("a", "å"), ("A", "Ä"), ("O", "Ö")]:
        assert text_width(plain, 20) == text_width(accented, 20)
        # The base letter and a little more ink, not the font's box for a missing glyph.
        assert picture(accented) != missing
        assert ink(plain) < ink(accented) < ink(plain) * 1.35, accented


def test_the_same_primitives_in_both_pictures() -> None:
    canvas = Canvas(100, 50, "Kaksi")
    canvas.add(Rect(0, 0, 50, 50, "#ff0000"))
    image = _png(canvas, scale=1).convert("RGB")
    assert image.getpixel((25, 25)) == (255, 0, 0)
    assert image.getpixel((75, 25)) == (255, 255, 255)
    rects = _svg(canvas).findall(f"{SVG}rect")
    assert [r.get("fill") for r in rects] == ["#ffffff", "#ff0000"]


def test_truncation_keeps_what_fits() -> None:
    assert truncate("Kassa", 200, 11) == "Kassa"
    cut = truncate("Hyllytys ja varasto", 40, 11)
    assert cut.endswith("…") and text_width(cut, 11) <= 40
