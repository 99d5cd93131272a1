"""The listening trend drawn as SVG text: a chart is a few rectangles and a line, which does
not need a plotting library."""

from xml.sax.saxutils import escape

from app.analytics.schemas import ListeningMetrics

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 32, 40


def _label(metrics: ListeningMetrics, index: int) -> str:
    assert metrics.trend is not None
    return metrics.trend[index].start.date().isoformat()


def trend_svg(metrics: ListeningMetrics) -> str:
    """Bars: insights posted per bucket (left scale). Line: median hours to acknowledge
    (right scale), broken where a bucket has no acknowledged insight."""
    points = metrics.trend or []
    counts = [p.metrics.insights for p in points]
    hours = [
        None if m is None else m / 3600
        for m in (p.metrics.time_to_acknowledge.median_seconds for p in points)
    ]
    top_count = max(counts, default=0) or 1
    top_hours = max((h for h in hours if h is not None), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points), 1)
    title = escape(f"{metrics.unit.name}: insights and median hours to acknowledge")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">',
        f"<title>{title}</title>",
        f'<text x="{LEFT}" y="20" font-size="13" font-family="sans-serif">{title}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="10" text-anchor="end" '
        f'font-family="sans-serif">{top_count}</text>',
        f'<text x="{LEFT + plot_w + 6}" y="{TOP + 4}" font-size="10" '
        f'font-family="sans-serif">{top_hours:.1f} h</text>',
        '<g class="series insights" fill="#6a9fd4">',
    ]
    for i, count in enumerate(counts):
        bar_h = plot_h * count / top_count
        x = LEFT + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar_h:.1f}" data-bucket="{_label(metrics, i)}" data-value="{count}">'
            f"<title>{_label(metrics, i)}: {count} insights</title></rect>"
        )
    parts.append("</g>")
    # A polyline per run of buckets that have a value: an empty bucket is a gap, not a zero.
    runs: list[list[str]] = [[]]
    for i, h in enumerate(hours):
        if h is None:
            runs.append([])
            continue
        x = LEFT + i * step + step / 2
        y = TOP + plot_h - plot_h * h / top_hours
        runs[-1].append(f"{x:.1f},{y:.1f}")
    parts.append('<g class="series time-to-acknowledge" fill="none" stroke="#d4663a">')
    parts.extend(f'<polyline points="{" ".join(run)}" stroke-width="2"/>' for run in runs if run)
    parts.extend(
        f'<circle cx="{LEFT + i * step + step / 2:.1f}" '
        f'cy="{TOP + plot_h - plot_h * h / top_hours:.1f}" r="3" fill="#d4663a" '
        f'data-bucket="{_label(metrics, i)}" data-value="{h * 3600:.0f}">'
        f"<title>{_label(metrics, i)}: {h:.2f} h to acknowledge</title></circle>"
        for i, h in enumerate(hours)
        if h is not None
    )
    parts.append("</g>")
    parts.extend(
        f'<text x="{LEFT + i * step + step / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" '
        f'text-anchor="middle" font-family="sans-serif">{_label(metrics, i)}</text>'
        for i in range(len(points))
        if len(points) <= 16 or i % (len(points) // 16 + 1) == 0
    )
    parts.append("</svg>")
    return "\n".join(parts)
