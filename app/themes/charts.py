"""Themes as pictures: a theme's weekly trend and the journey-stage × theme heat map, drawn
on the platform's charts (`app.platform.chart_kinds`) as SVG or PNG."""

from app.platform.chart_kinds import MAX_COLUMNS, MAX_ROWS, heat_map, trend_chart
from app.platform.charts import Canvas
from app.themes.report_schemas import JourneyMatrix, ThemeReach


def trend_canvas(reach: ThemeReach) -> Canvas:
    """Insights per ISO week of the period."""
    return trend_chart(
        f"{reach.theme.name}: insights per week",
        [week.start.isoformat() for week in reach.trend],
        [week.insights for week in reach.trend],
        legend="Insights",
    )


def journey_canvas(matrix: JourneyMatrix) -> Canvas:
    """Journey stages down, themes across (the largest first), insights in each cell. Past
    the chart's width the smaller themes are left out, and the note says how many."""
    columns = matrix.themes[:MAX_COLUMNS]
    rows = matrix.stages[:MAX_ROWS]
    note = f"{matrix.unit.name}, {matrix.start.date()} – {matrix.end.date()}."
    if len(matrix.themes) > len(columns):
        note += f" The {len(matrix.themes) - len(columns)} smallest themes are not drawn."
    return heat_map(
        "Where in the customer journey each theme is reported",
        [stage.label or stage.key or "No stage" for stage in rows],
        [theme.name for theme in columns],
        [row[: len(columns)] for row in matrix.counts[: len(rows)]],
        note=note,
    )
