"""The charts the dashboards draw, built from plain numbers onto a `Canvas`: bars with an
optional line on a second scale, and a heat map."""

import math
import re
from collections.abc import Sequence

from app.platform.charts import (
    BACKGROUND,
    Anchor,
    Canvas,
    Circle,
    Group,
    Polyline,
    Primitive,
    Rect,
    Text,
    plain_number,
    text_width,
    truncate,
)

INK = "#000000"
MUTED = "#555555"  # 7.5:1 on white: axis labels and notes stay readable.
AXIS = "#888888"
BAR = "#6a9fd4"
LINE = "#d4663a"
# The heat map's scale: one hue (blue) from almost white to dark, through a middle stop that
# keeps the middle values blue rather than greyish.
SCALE = ((0xEF, 0xF5, 0xFB), (0x6B, 0xAE, 0xD6), (0x08, 0x30, 0x6B))
# Cells are parted by white lines, which read as a grid without adding ink.
CELL_BORDER = BACKGROUND
NO_VALUE = "#e4e4e4"
HATCH = "#bdbdbd"
NO_VALUE_MARK = "–"
# Beyond these a heat map stops being readable (and its PNG gets heavy): aggregate first.
MAX_ROWS, MAX_COLUMNS = 40, 30


class ChartTooLarge(ValueError):
    """More rows or columns than a heat map draws (`MAX_ROWS`, `MAX_COLUMNS`)."""


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour, 0 (black) to 1 (white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio, 1 to 21; text needs 4.5 (level AA)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill`: one of the two always reaches
    4.58:1, so every cell's number passes WCAG AA."""
    return max((INK, "#ffffff"), key=lambda text: contrast_ratio(text, fill))


def sequential_fill(fraction: float) -> str:
    """The scale's colour at `fraction` (0 lightest, 1 darkest)."""
    t = min(max(fraction, 0.0), 1.0) * (len(SCALE) - 1)
    stop = min(int(t), len(SCALE) - 2)
    t -= stop
    pairs = zip(SCALE[stop], SCALE[stop + 1], strict=True)
    channels = (round(a + (b - a) * t) for a, b in pairs)
    return "#" + "".join(f"{c:02x}" for c in channels)


def _slug(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name.lower()).strip("-") or "series"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def trend_chart(
    title: str, labels: Sequence[str], counts: Sequence[float], *, legend: str = "Count"
) -> Canvas:
    """Bars only: a count per period."""
    return bar_line_chart(title, labels, counts, None, legend, "", "")


def bar_line_chart(
    title: str,
    labels: Sequence[str],
    bars: Sequence[float],
    line: Sequence[float | None] | None,
    bar_legend: str,
    line_legend: str,
    line_unit: str,
    *,
    line_data_values: Sequence[float | None] | None = None,
) -> Canvas:
    """Bars on the left scale and, if given, a line on the right scale, broken where a value
    is None (no value is not zero). Each series is a group classed `series <legend>`; each
    bar and point carries data-bucket (its label) and data-value, which is the point's entry
    of `line_data_values` where the line is drawn in another unit than it is stored in."""
    if len(bars) != len(labels) or (line is not None and len(line) != len(labels)):
        raise ValueError("one bar and one line value per label")
    width, height = 640.0, 260.0
    left, right, top, bottom = 48.0, 56.0, 56.0, 40.0
    plot_w, plot_h, base = width - left - right, height - top - bottom, height - bottom
    canvas = Canvas(width, height, title)
    canvas.add(Text(left, 22, truncate(title, width - 2 * left, 13), size=13))
    step = plot_w / max(len(labels), 1)
    bar_top = _nice_ceiling(max(bars, default=0.0))
    ticks: list[Primitive] = [
        Polyline(((left, base), (left + plot_w, base)), AXIS),
        Text(left - 6, base + 4, "0", size=10, colour=MUTED, anchor="end"),
        Text(left - 6, top + 4, plain_number(bar_top), size=10, colour=MUTED, anchor="end"),
        Polyline(((left, top), (left + plot_w, top)), "#e6e6e6"),
    ]
    canvas.add(Group("axes", tuple(ticks)))
    canvas.add(
        Group(
            f"series {_slug(bar_legend)}",
            tuple(
                Rect(
                    left + i * step + step * 0.15,
                    base - plot_h * value / bar_top,
                    step * 0.7,
                    plot_h * value / bar_top,
                    BAR,
                    tooltip=f"{label}: {bar_legend} {plain_number(value)}",
                    data={"bucket": label, "value": plain_number(value)},
                )
                for i, (label, value) in enumerate(zip(labels, bars, strict=True))
            ),
        )
    )
    if line is not None:
        line_top = _nice_ceiling(max((v for v in line if v is not None), default=0.0))
        unit = f" {line_unit}" if line_unit else ""
        canvas.add(
            Text(
                left + plot_w + 6, top + 4, f"{plain_number(line_top)}{unit}", size=10, colour=MUTED
            ),
            _legend(left, bar_legend, line_legend + (f" ({line_unit})" if line_unit else "")),
        )
        stored = line if line_data_values is None else line_data_values

        def position(i: int, value: float) -> tuple[float, float]:
            return left + i * step + step / 2, base - plot_h * value / line_top

        runs: list[list[tuple[float, float]]] = [[]]
        points: list[Primitive] = []
        for i, (label, value, data) in enumerate(zip(labels, line, stored, strict=True)):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(position(i, value))
            points.append(
                Circle(
                    *position(i, value),
                    3,
                    LINE,
                    tooltip=f"{label}: {line_legend} {value:.2f}{unit}",
                    data={"bucket": label, "value": plain_number(value if data is None else data)},
                )
            )
        polylines = tuple(Polyline(tuple(run), LINE, 2) for run in runs if run)
        canvas.add(Group(f"series {_slug(line_legend)}", (*polylines, *points)))
    canvas.add(Group("labels", tuple(_bucket_labels(labels, left, step, base + 14))))
    return canvas


def _legend(left: float, bar_legend: str, line_legend: str) -> Group:
    y = 40.0
    bar_label = truncate(bar_legend, 200, 10)
    line_x = left + 24 + text_width(bar_label, 10)
    return Group(
        "legend",
        (
            Rect(left, y - 8, 10, 10, BAR),
            Text(left + 14, y, bar_label, size=10),
            Polyline(((line_x, y - 3), (line_x + 14, y - 3)), LINE, 2),
            Text(line_x + 18, y, truncate(line_legend, 300, 10), size=10),
        ),
    )


def _bucket_labels(labels: Sequence[str], left: float, step: float, y: float) -> list[Text]:
    """Every label that fits: every n-th one when they would overlap."""
    widest = max((text_width(label, 9) for label in labels), default=0.0)
    every = max(1, math.ceil((widest + 6) / step)) if step else 1
    return [
        Text(left + i * step + step / 2, y, label, size=9, anchor="middle")
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def heat_map(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[int | float | None]],
    *,
    note: str | None = None,
) -> Canvas:
    """A grid coloured by value, light to dark, with the number in each cell; None is a
    hatched grey "–" (suppressed, or no data). Raises ChartTooLarge past MAX_ROWS rows or
    MAX_COLUMNS columns, and ValueError when `cells` does not match the labels."""
    if len(row_labels) > MAX_ROWS or len(column_labels) > MAX_COLUMNS:
        raise ChartTooLarge(
            f"a heat map draws at most {MAX_ROWS} rows and {MAX_COLUMNS} columns, "
            f"not {len(row_labels)} × {len(column_labels)}"
        )
    if len(cells) != len(row_labels) or any(len(row) != len(column_labels) for row in cells):
        raise ValueError("one row of cells per row label, one cell per column label")
    values = [v for row in cells for v in row if v is not None]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("a cell is not a finite number")
    low, high = min([0.0, *values]), max(values, default=0.0)

    pad, size, cell_h = 16.0, 11.0, 28.0
    label_w = min(max((text_width(r, size) for r in row_labels), default=0.0), 180.0)
    widest_column = max((text_width(c, size) for c in column_labels), default=0.0)
    cell_w = min(max(widest_column + 8, 40.0), 96.0)
    grid_x, grid_y = pad + label_w + 8, 56.0
    width = max(grid_x + cell_w * len(column_labels) + pad, 360.0)
    note_lines = _wrap(note, width - 2 * pad, size) if note else []
    legend_y = grid_y + cell_h * len(row_labels) + 24
    height = legend_y + 16 + 16 * len(note_lines) + pad
    canvas = Canvas(width, height, title)
    canvas.add(Text(pad, 24, truncate(title, width - 2 * pad, 14), size=14))

    headers = [
        _label(grid_x + (j + 0.5) * cell_w, grid_y - 8, column, cell_w - 4, "middle")
        for j, column in enumerate(column_labels)
    ]
    headers += [
        _label(pad, grid_y + (i + 0.5) * cell_h + 4, row, label_w, "start")
        for i, row in enumerate(row_labels)
    ]
    canvas.add(Group("labels", tuple(headers)))
    grid: list[Primitive] = []
    for i, (row, row_cells) in enumerate(zip(row_labels, cells, strict=True)):
        for j, (column, value) in enumerate(zip(column_labels, row_cells, strict=True)):
            x, y = grid_x + j * cell_w, grid_y + i * cell_h
            centre = (x + cell_w / 2, y + cell_h / 2 + 4)
            if value is None:
                grid.append(
                    Rect(
                        x,
                        y,
                        cell_w,
                        cell_h,
                        NO_VALUE,
                        stroke=CELL_BORDER,
                        hatch=HATCH,
                        tooltip=f"{row} × {column}: suppressed or no data",
                        data={"row": row, "column": column, "suppressed": "true"},
                    )
                )
                grid.append(Text(*centre, NO_VALUE_MARK, size, text_colour_on(NO_VALUE), "middle"))
                continue
            fill = sequential_fill((value - low) / (high - low) if high > low else 0.0)
            shown = plain_number(round(value, 1))
            grid += [
                Rect(
                    x,
                    y,
                    cell_w,
                    cell_h,
                    fill,
                    stroke=CELL_BORDER,
                    tooltip=f"{row} × {column}: {shown}",
                    data={"row": row, "column": column, "value": plain_number(value)},
                ),
                Text(
                    *centre, truncate(shown, cell_w - 4, size), size, text_colour_on(fill), "middle"
                ),
            ]
    canvas.add(Group("cells", tuple(grid)))
    canvas.add(_scale_legend(pad, legend_y, low, high))
    canvas.add(
        *(
            Text(pad, legend_y + 16 + 16 * (k + 1), line, size=size, colour=MUTED)
            for k, line in enumerate(note_lines)
        )
    )
    return canvas


def _label(x: float, y: float, full: str, width: float, anchor: Anchor) -> Text:
    """A label cut to `width`; the whole of it is its tooltip."""
    shown = truncate(full, width, 11)
    return Text(x, y, shown, size=11, anchor=anchor, tooltip=full if shown != full else None)


def _scale_legend(x: float, y: float, low: float, high: float) -> Group:
    steps = 5
    items: list[Primitive] = [Text(x, y, plain_number(round(low, 1)), size=10, colour=MUTED)]
    swatch_x = x + text_width(plain_number(round(low, 1)), 10) + 6
    for k in range(steps):
        items.append(Rect(swatch_x + k * 16, y - 10, 16, 12, sequential_fill(k / (steps - 1))))
    high_x = swatch_x + steps * 16 + 6
    items.append(Text(high_x, y, plain_number(round(high, 1)), size=10, colour=MUTED))
    suppressed_x = high_x + text_width(plain_number(round(high, 1)), 10) + 24
    items.append(Rect(suppressed_x, y - 10, 16, 12, NO_VALUE, hatch=HATCH))
    items.append(Text(suppressed_x + 22, y, "suppressed or no data", size=10, colour=MUTED))
    return Group("legend", tuple(items))


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(truncate(word, width, size))
    return lines
