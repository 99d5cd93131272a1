"""The listening trend as a chart: bars of insights posted per bucket (left scale) and a line
of the median hours to acknowledge (right scale), drawn as SVG or PNG."""

from app.analytics.schemas import ListeningMetrics
from app.platform.chart_kinds import bar_line_chart
from app.platform.charts import Canvas


def _trend_chart(metrics: ListeningMetrics) -> Canvas:
    points = metrics.trend or []
    seconds = [p.metrics.time_to_acknowledge.median_seconds for p in points]
    return bar_line_chart(
        f"{metrics.unit.name}: insights and median hours to acknowledge",
        [p.start.date().isoformat() for p in points],
        [p.metrics.insights for p in points],
        [None if s is None else s / 3600 for s in seconds],
        "Insights",
        "Time to acknowledge",
        "h",
        # The points keep the seconds the JSON metrics give, for readers that match the two.
        line_data_values=seconds,
    )


def trend_svg(metrics: ListeningMetrics) -> str:
    return _trend_chart(metrics).to_svg()


def trend_png(metrics: ListeningMetrics) -> bytes:
    return _trend_chart(metrics).to_png()
