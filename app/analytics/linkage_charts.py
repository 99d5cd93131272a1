"""Pictures of the EX–CX linkage a dashboard can embed: the unit scatter with its fitted line
and 95 % band, the association at each lag with its interval, and the drivers with their
bootstrap intervals. Each is a scene of `app.platform.charts` primitives, drawn as SVG or
PNG; the numbers behind every mark are in its tooltip and `data-` attributes."""

import math
from collections.abc import Sequence

from app.analytics.linkage_schemas import Correlation, DriverReport, LinkageReport
from app.outcomes.scales import measure_unit
from app.platform.charts import Canvas, Circle, Group, Polyline, Rect, Text, plain_number, truncate

WIDTH = 720.0
HEIGHT = 440.0
LEFT, RIGHT, TOP, BOTTOM = 70.0, 24.0, 64.0, 90.0
INK = "#1f2933"
GRID = "#d9dee3"
POINT = "#1f5f99"
FIT = "#b3261e"
BAND = "#e8a09a"
BETWEEN = "#1f5f99"
WITHIN = "#7a4fa3"
BAR = "#1f5f99"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values inside [low, high], about `count` steps apart: 1, 2, 2.5 or 5 × 10ⁿ."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _footer(canvas: Canvas, notice: str) -> None:
    words = notice.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) > 110:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    canvas.add(
        *(
            Text(LEFT, HEIGHT - 34 + 14 * i, content, size=10.0, colour=INK)
            for i, content in enumerate(lines[:3])
        )
    )


def _span(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    return low - pad, high + pad


def _axes(
    canvas: Canvas,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_label: str,
    y_label: str,
    x_ticks: bool = True,
) -> None:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    items: list[Polyline | Text] = []
    for value in _ticks(*y_range):
        y = TOP + plot_h * (1 - (value - y_range[0]) / (y_range[1] - y_range[0]))
        items.append(Polyline(((LEFT, y), (LEFT + plot_w, y)), GRID))
        items.append(Text(LEFT - 6, y + 4, plain_number(round(value, 2)), 10.0, INK, "end"))
    for value in _ticks(*x_range) if x_ticks else []:
        x = LEFT + plot_w * (value - x_range[0]) / (x_range[1] - x_range[0])
        items.append(Text(x, TOP + plot_h + 16, plain_number(round(value, 2)), 10.0, INK, "middle"))
    items.append(Text(LEFT + plot_w / 2, TOP + plot_h + 34, x_label, 11.0, INK, "middle"))
    items.append(Text(8, TOP - 10, y_label, 11.0, INK))
    canvas.add(Group("axes", tuple(items)))


def scatter(report: LinkageReport) -> Canvas:
    lag = f"{report.lag:+d}" if report.lag else "0"
    canvas = Canvas(
        WIDTH,
        HEIGHT,
        f"{report.unit.name}: EX ({report.ex_measure}) and CX ({report.cx_measure.value}) "
        f"per unit, lag {lag}",
    )
    canvas.add(Text(LEFT, 24, truncate(canvas.title, WIDTH - LEFT - RIGHT, 13.0), 13.0, INK))
    if len(report.points) < 2:
        canvas.add(Text(WIDTH / 2, HEIGHT / 2, "Too few units to draw", 12.0, INK, "middle"))
        _footer(canvas, report.notice)
        return canvas
    if report.model is not None and report.model.within_unit_slope.estimate is not None:
        lead = report.model.within_unit_slope
        canvas.add(
            Text(
                LEFT,
                40,
                f"Within units over time: CX {lead.estimate:+.2f} per EX point "
                f"(95 % {lead.low:.2f} … {lead.high:.2f}); {len(report.points)} units",
                10.0,
                INK,
            )
        )
    xs = [p.ex for p in report.points]
    ys = [p.cx for p in report.points]
    if report.fit is not None:
        ys += report.fit.low + report.fit.high
    x_range, y_range = _span(xs), _span(ys)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            LEFT + plot_w * (x - x_range[0]) / (x_range[1] - x_range[0]),
            TOP + plot_h * (1 - (y - y_range[0]) / (y_range[1] - y_range[0])),
        )

    _axes(
        canvas,
        x_range,
        y_range,
        f"EX: {report.ex_measure}, {measure_unit(report.ex_measure)}",
        f"CX: {measure_unit(report.cx_measure)}",
    )
    if report.fit is not None:
        fit = report.fit
        canvas.add(
            Group(
                "fit",
                (
                    Polyline(tuple(at(x, y) for x, y in zip(fit.x, fit.low, strict=True)), BAND),
                    Polyline(tuple(at(x, y) for x, y in zip(fit.x, fit.high, strict=True)), BAND),
                    Polyline(
                        tuple(at(x, fit.intercept + fit.slope * x) for x in (fit.x[0], fit.x[-1])),
                        FIT,
                        2.0,
                    ),
                ),
            )
        )
    canvas.add(
        Group(
            "units",
            tuple(
                Circle(
                    *at(p.ex, p.cx),
                    4.0,
                    POINT,
                    tooltip=f"{p.unit.name} ({p.region.name}): EX {p.ex:.2f}, CX {p.cx:.2f}",
                    data={"unit": str(p.unit.id), "ex": f"{p.ex:.4f}", "cx": f"{p.cx:.4f}"},
                )
                for p in report.points
            ),
        )
    )
    _footer(canvas, report.notice)
    return canvas


def _whisker(x: float, low: float, high: float) -> Polyline:
    return Polyline(((x, low), (x, high)), INK, 1.5)


def lag_bars(report: LinkageReport) -> Canvas:
    canvas = Canvas(
        WIDTH,
        HEIGHT,
        f"{report.unit.name}: association of EX ({report.ex_measure}) with CX "
        f"({report.cx_measure.value}) at each lag",
    )
    canvas.add(Text(LEFT, 24, truncate(canvas.title, WIDTH - LEFT - RIGHT, 13.0), 13.0, INK))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    _axes(
        canvas,
        (-0.5, len(report.lags) - 0.5),
        (-1.0, 1.0),
        "lag (periods of CX after EX)",
        "r",
        x_ticks=False,
    )

    def y_at(r: float) -> float:
        return TOP + plot_h * (1 - (r + 1) / 2)

    slot = plot_w / max(len(report.lags), 1)
    bars: list[Rect | Polyline | Text] = []
    for i, lag in enumerate(report.lags):
        centre = LEFT + slot * (i + 0.5)
        label = f"{lag.lag:+d}" if lag.lag else "0"
        bars.append(Text(centre, TOP + plot_h + 16, label, 10.0, INK, "middle"))
        series: tuple[tuple[str, Correlation, str], ...] = (
            ("between units", lag.between_units, BETWEEN),
            ("within units", lag.within_units, WITHIN),
        )
        for j, (name, c, colour) in enumerate(series):
            x = centre - slot * 0.3 + j * slot * 0.3
            if c.r is None:
                bars.append(Text(x + slot * 0.15, y_at(0) - 4, "–", 10.0, INK, "middle"))
                continue
            top, bottom = sorted((y_at(c.r), y_at(0.0)))
            bars.append(
                Rect(
                    x,
                    top,
                    slot * 0.28,
                    max(bottom - top, 1.0),
                    colour,
                    tooltip=f"lag {lag.lag:+d}, {name}: r {c.r:.2f} "
                    f"({(c.low or 0):.2f} … {(c.high or 0):.2f}), n {c.n}",
                    data={"lag": str(lag.lag), "series": name.replace(" ", "-"), "r": f"{c.r:.4f}"},
                )
            )
            if c.low is not None and c.high is not None:
                bars.append(_whisker(x + slot * 0.14, y_at(c.high), y_at(c.low)))
    bars.append(Polyline(((LEFT, y_at(0)), (LEFT + plot_w, y_at(0))), INK))
    canvas.add(Group("lags", tuple(bars)))
    canvas.add(
        Rect(WIDTH - 250, 30, 10, 10, BETWEEN),
        Text(WIDTH - 236, 39, "between units", 10.0, INK),
        Rect(WIDTH - 140, 30, 10, 10, WITHIN),
        Text(WIDTH - 126, 39, "within units", 10.0, INK),
    )
    _footer(canvas, report.notice)
    return canvas


def driver_bars(report: DriverReport) -> Canvas:
    canvas = Canvas(
        WIDTH,
        HEIGHT,
        f"{report.unit.name}: what goes with CX ({report.cx_measure.value}), relative weights",
    )
    canvas.add(Text(LEFT, 24, truncate(canvas.title, WIDTH - LEFT - RIGHT, 13.0), 13.0, INK))
    if not report.drivers:
        canvas.add(Text(WIDTH / 2, HEIGHT / 2, "Too few units to weigh", 12.0, INK, "middle"))
        _footer(canvas, report.notice)
        return canvas
    label_w = 190.0
    plot_x, plot_w = label_w + 10, WIDTH - label_w - 10 - RIGHT
    row = min(32.0, (HEIGHT - TOP - BOTTOM) / len(report.drivers))
    top_share = max([d.high or d.share for d in report.drivers] + [1.0])
    scale = (plot_w - 40) / top_share
    items: list[Rect | Polyline | Text] = []
    for i, d in enumerate(report.drivers):
        y = TOP + i * row
        items.append(
            Text(label_w, y + row * 0.6, truncate(d.name, label_w - 8, 11.0), 11.0, INK, "end")
        )
        items.append(
            Rect(
                plot_x,
                y + row * 0.2,
                max(d.share * scale, 1.0),
                row * 0.6,
                BAR,
                tooltip=f"{d.name}: {d.share:.1f} % of R²"
                + (
                    f" ({d.low:.1f} … {d.high:.1f})"
                    if d.low is not None and d.high is not None
                    else ""
                ),
                data={"driver": d.name, "share": f"{d.share:.4f}"},
            )
        )
        end = max(d.share, d.high or d.share) * scale
        items.append(Text(plot_x + end + 6, y + row * 0.6, f"{d.share:.0f} %", 10.0, INK))
        if d.low is not None and d.high is not None:
            items.append(
                Polyline(
                    ((plot_x + d.low * scale, y + row / 2), (plot_x + d.high * scale, y + row / 2)),
                    INK,
                    1.5,
                )
            )
    canvas.add(Group("drivers", tuple(items)))
    r2 = f"R-squared {report.r2:.2f}, " if report.r2 is not None else ""
    canvas.add(
        Text(
            plot_x,
            HEIGHT - 62,
            f"{r2}{report.units} units; each bar is its share of the explained variance (%), "
            "with a 95 % bootstrap interval",
            10.0,
            INK,
        )
    )
    _footer(canvas, report.notice)
    return canvas
