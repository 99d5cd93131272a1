"""A chart as a scene of a few primitives, drawn either as SVG text or as a PNG image.

Both renderers walk the same primitives in the same order, so the two pictures match. The
PNG is drawn with Pillow's own font (Aileron, shipped inside Pillow), so no font is looked
up on the machine or fetched; that font has ASCII and little more, so the PNG composes the
accented letters of Finnish and Swedish (ä ö å, š ž, é) from their base letter and a mark.
"""

import functools
import io
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

Anchor = Literal["start", "middle", "end"]
Point = tuple[float, float]

BACKGROUND = "#ffffff"
SVG_FONT = "Aileron, Helvetica, Arial, sans-serif"
# A PNG is drawn at twice its size and halved, which smooths lines and circles, unless the
# doubled picture would pass this many pixels (a large heat map at a high scale).
SUPERSAMPLED_PIXELS = 16_000_000
DATA_NAME = re.compile(r"[a-z][a-z0-9-]*")
# XML 1.0 admits no other control characters, even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str | None = None
    # Diagonal lines of this colour across the fill: "no value here", readable without colour.
    hatch: str | None = None
    tooltip: str | None = None
    # Written as data-<name> attributes in the SVG, for scripts and tests that read values.
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    radius: float
    fill: str
    tooltip: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Polyline:
    points: tuple[Point, ...]
    stroke: str
    stroke_width: float = 1.0


@dataclass(frozen=True, slots=True)
class Text:
    """`y` is the baseline, in both renderers."""

    x: float
    y: float
    content: str
    size: float = 11.0
    colour: str = "#000000"
    anchor: Anchor = "start"
    tooltip: str | None = None


Primitive = Rect | Circle | Polyline | Text


@dataclass(frozen=True, slots=True)
class Group:
    """Primitives drawn together; `css_class` names them in the SVG (a series, a grid)."""

    css_class: str
    items: tuple[Primitive, ...]


@dataclass(slots=True)
class Canvas:
    width: float
    height: float
    title: str
    items: list[Primitive | Group] = field(default_factory=list)

    def add(self, *items: Primitive | Group) -> None:
        self.items.extend(items)

    def primitives(self) -> Iterator[Primitive]:
        for item in self.items:
            if isinstance(item, Group):
                yield from item.items
            else:
                yield item

    def to_svg(self) -> str:
        """SVG 1.1 that stands alone: no script, no external reference, every text escaped."""
        title = _xml_text(self.title)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(self.width)}" '
            f'height="{_n(self.height)}" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            f'role="img" aria-label="{title}" font-family="{SVG_FONT}">',
            f"<title>{title}</title>",
            f'<rect width="100%" height="100%" fill="{BACKGROUND}"/>',
        ]
        for item in self.items:
            if isinstance(item, Group):
                parts.append(f'<g class="{_xml_text(item.css_class)}">')
                parts.extend(_svg(p) for p in item.items)
                parts.append("</g>")
            else:
                parts.append(_svg(item))
        parts.append("</svg>")
        return "\n".join(parts)

    def to_png(self, scale: int = 2) -> bytes:
        """The same picture as a PNG of `scale` times the canvas size (2 for sharp screens)."""
        if not 1 <= scale <= 4:
            raise ValueError("scale must be between 1 and 4")
        size = (round(self.width * scale), round(self.height * scale))
        supersample = 2 if size[0] * size[1] * 4 <= SUPERSAMPLED_PIXELS else 1
        zoom = scale * supersample
        image = Image.new("RGB", (size[0] * supersample, size[1] * supersample), BACKGROUND)
        draw = ImageDraw.Draw(image)
        for primitive in self.primitives():
            _draw(draw, primitive, zoom)
        if supersample > 1:
            image = image.reduce(supersample)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


def text_width(content: str, size: float) -> float:
    """The width of `content` as the PNG draws it; the SVG's font is about as wide."""
    return sum(_font(size).getlength(run) for run, _ in _runs(content)) if content else 0.0


def truncate(content: str, width: float, size: float) -> str:
    """`content`, cut and ended with an ellipsis where it would pass `width`."""
    if text_width(content, size) <= width:
        return content
    kept = content
    while kept and text_width(kept.rstrip() + "…", size) > width:
        kept = kept[:-1]
    return kept.rstrip() + "…"


def hatch_lines(rect: Rect, spacing: float = 6.0) -> list[tuple[Point, Point]]:
    """Diagonals across `rect`, ending on its edges: the points where the distance from the
    bottom-left corner, rightwards plus upwards, is a multiple of `spacing`."""
    x0, y0, x1, y1 = rect.x, rect.y, rect.x + rect.width, rect.y + rect.height
    lines = []
    offset = spacing
    while offset < rect.width + rect.height:
        low = (x0 + offset, y1) if offset <= rect.width else (x1, y1 - (offset - rect.width))
        high = (x0, y1 - offset) if offset <= rect.height else (x0 + offset - rect.height, y0)
        lines.append((low, high))
        offset += spacing
    return lines


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5, 12.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _xml_text(value: str) -> str:
    return escape(XML_INVALID.sub("\ufffd", value), {'"': "&quot;"})


def _data_attributes(data: Mapping[str, str]) -> str:
    for name in data:
        if not DATA_NAME.fullmatch(name):
            raise ValueError(f"not a data attribute name: {name!r}")
    return "".join(f' data-{name}="{_xml_text(value)}"' for name, value in data.items())


def _with_tooltip(tag: str, attributes: str, tooltip: str | None, body: str = "") -> str:
    if tooltip is not None:
        body = f"<title>{_xml_text(tooltip)}</title>{body}"
    return f"<{tag}{attributes}>{body}</{tag}>" if body else f"<{tag}{attributes}/>"


def _svg(primitive: Primitive) -> str:
    match primitive:
        case Rect():
            r = primitive
            stroke = f' stroke="{r.stroke}"' if r.stroke else ""
            attributes = (
                f' x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.width)}" height="{_n(r.height)}"'
                f' fill="{r.fill}"{stroke}{_data_attributes(r.data)}'
            )
            shape = _with_tooltip("rect", attributes, r.tooltip)
            if r.hatch is None:
                return shape
            path = " ".join(
                f"M{_n(a[0])} {_n(a[1])}L{_n(b[0])} {_n(b[1])}" for a, b in hatch_lines(r)
            )
            return f'{shape}<path d="{path}" stroke="{r.hatch}" pointer-events="none"/>'
        case Circle():
            c = primitive
            attributes = (
                f' cx="{_n(c.cx)}" cy="{_n(c.cy)}" r="{_n(c.radius)}" fill="{c.fill}"'
                f"{_data_attributes(c.data)}"
            )
            return _with_tooltip("circle", attributes, c.tooltip)
        case Polyline():
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in primitive.points)
            return (
                f'<polyline points="{points}" fill="none" stroke="{primitive.stroke}" '
                f'stroke-width="{_n(primitive.stroke_width)}" stroke-linejoin="round"/>'
            )
        case Text():
            t = primitive
            attributes = (
                f' x="{_n(t.x)}" y="{_n(t.y)}" font-size="{_n(t.size)}" fill="{t.colour}"'
                f' text-anchor="{t.anchor}"'
            )
            return _with_tooltip("text", attributes, t.tooltip, _xml_text(t.content) or " ")


def _draw(draw: ImageDraw.ImageDraw, primitive: Primitive, zoom: float) -> None:
    match primitive:
        case Rect():
            r = primitive
            box = (r.x * zoom, r.y * zoom, (r.x + r.width) * zoom - 1, (r.y + r.height) * zoom - 1)
            if box[2] >= box[0] and box[3] >= box[1]:
                outline_width = max(1, round(zoom)) if r.stroke else 0
                draw.rectangle(box, fill=r.fill, outline=r.stroke, width=outline_width)
            if r.hatch is not None:
                for a, b in hatch_lines(r):
                    line = [(a[0] * zoom, a[1] * zoom), (b[0] * zoom, b[1] * zoom)]
                    draw.line(line, fill=r.hatch, width=max(1, round(zoom)))
        case Circle():
            c = primitive
            left, top = (c.cx - c.radius) * zoom, (c.cy - c.radius) * zoom
            right, bottom = (c.cx + c.radius) * zoom, (c.cy + c.radius) * zoom
            draw.ellipse((left, top, right, bottom), fill=c.fill)
        case Polyline():
            points = [(x * zoom, y * zoom) for x, y in primitive.points]
            width = max(1, round(primitive.stroke_width * zoom))
            if len(points) == 1:
                x, y = points[0]
                draw.ellipse(
                    (x - width / 2, y - width / 2, x + width / 2, y + width / 2),
                    fill=primitive.stroke,
                )
            else:
                draw.line(points, fill=primitive.stroke, width=width, joint="curve")
        case Text():
            _draw_text(draw, primitive, zoom)


@functools.lru_cache(maxsize=64)
def _font(size: float) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=max(1, round(size)))
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType; charts need it for text")
    return font


@functools.lru_cache(maxsize=1024)
def _has_glyph(character: str) -> bool:
    """Whether Pillow's font draws `character` itself, not its box for a missing letter."""

    def picture(text: str) -> bytes:
        image = Image.new("L", (32, 32))
        ImageDraw.Draw(image).text((4, 4), text, font=_font(20), fill=255)
        return image.tobytes()

    return picture(character) != picture("\uffff")


# Signs the font lacks, drawn as the nearest sign it has.
STAND_INS = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00d7": "x"}
MARKS = {"\u0308", "\u030a", "\u0301", "\u030c"}


def _runs(content: str) -> Iterator[tuple[str, str]]:
    """`content` as runs the font can draw: (text, "") or (one base letter, its marks)."""
    plain = ""
    for character in unicodedata.normalize("NFC", content):
        character = STAND_INS.get(character, character)
        decomposed = unicodedata.normalize("NFD", character)
        base, marks = decomposed[0], decomposed[1:]
        if _has_glyph(character) or not marks or not set(marks) <= MARKS:
            plain += character
            continue
        if plain:
            yield plain, ""
            plain = ""
        yield base, "".join(marks)
    if plain:
        yield plain, ""


def _draw_text(draw: ImageDraw.ImageDraw, text: Text, zoom: float) -> None:
    size = text.size * zoom
    font = _font(size)
    runs = list(_runs(text.content))
    width = sum(font.getlength(run) for run, _ in runs)
    x = text.x * zoom - {"start": 0.0, "middle": width / 2, "end": width}[text.anchor]
    y = text.y * zoom
    for run, marks in runs:
        draw.text((x, y), run, font=font, fill=text.colour, anchor="ls")
        if marks:
            left, top, right, _ = font.getbbox(run, anchor="ls")
            _draw_marks(draw, marks, (x + (left + right) / 2, y + top), size, text.colour)
        x += font.getlength(run)


def _draw_marks(
    draw: ImageDraw.ImageDraw, marks: str, top_centre: Point, size: float, colour: str
) -> None:
    cx, top = top_centre
    stroke = max(1, round(size * 0.07))
    for mark in marks:
        if mark == "\u0308":  # diaeresis: ä ö
            radius, y = size * 0.06, top - size * 0.13
            for x in (cx - size * 0.13, cx + size * 0.13):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        elif mark == "\u030a":  # ring: å
            radius, y = size * 0.09, top - size * 0.16
            box = (cx - radius, y - radius, cx + radius, y + radius)
            draw.ellipse(box, outline=colour, width=max(1, round(size * 0.05)))
        elif mark == "\u0301":  # acute: é
            line = [(cx - size * 0.04, top - size * 0.05), (cx + size * 0.09, top - size * 0.24)]
            draw.line(line, fill=colour, width=stroke)
        else:  # caron: š ž
            draw.line(_caron(cx, top, size), fill=colour, width=stroke, joint="curve")


def _caron(cx: float, top: float, size: float) -> list[Point]:
    return [
        (cx - size * 0.1, top - size * 0.22),
        (cx, top - size * 0.07),
        (cx + size * 0.1, top - size * 0.22),
    ]


def plain_number(value: float) -> str:
    """12 for 12.0, 12.5 for 12.5: integers without a decimal point."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")
