import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from app.analytics import linkage, linkage_charts, service
from app.analytics.chart import trend_png, trend_svg
from app.analytics.linkage_schemas import (
    MAX_LAG,
    MIN_LAG,
    CxMeasure,
    DriverReport,
    LinkageQuery,
    LinkageReport,
    PeriodGrain,
)
from app.analytics.schemas import ListeningMetrics, MetricsBucket, MetricsGrouping, MetricsQuery
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["analytics"], route_class=ApiRoute)

UnitId = Annotated[
    uuid.UUID | None,
    Query(description="The unit whose subtree is measured; by default your whole reading scope."),
]
From = Annotated[
    datetime | None,
    Query(alias="from", description="Insights posted at or after this; by default 30 days ago."),
]
To = Annotated[datetime | None, Query(alias="to", description="…and before this; by default now.")]
BarSize = Annotated[MetricsBucket, Query(description="Size of each bar.")]


@router.get("/metrics/listening")
async def get_listening_metrics(
    session: Session,
    caller: Caller,
    unit_id: UnitId = None,
    start: From = None,
    end: To = None,
    group_by: Annotated[
        list[MetricsGrouping] | None,
        Query(description="Break down by child unit and/or by the manager who acted; repeatable."),
    ] = None,
    bucket: Annotated[
        MetricsBucket | None, Query(description="Add a trend in buckets of this size.")
    ] = None,
) -> ListeningMetrics:
    """Time to acknowledge, act and tell, loops closed within deadline and escalations of the
    insights posted in a unit's subtree during a period (managers, HR and administrators)."""
    query = MetricsQuery(
        unit_id=unit_id, start=start, end=end, group_by=group_by or [], bucket=bucket
    )
    return await service.listening_metrics(session, caller, query)


@router.get(
    "/metrics/listening.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "A trend chart."}},
)
async def get_listening_chart(
    session: Session,
    caller: Caller,
    unit_id: UnitId = None,
    start: From = None,
    end: To = None,
    bucket: BarSize = MetricsBucket.WEEK,
) -> Response:
    """The trend as a chart: insights posted per bucket, and the median time to acknowledge."""
    query = MetricsQuery(unit_id=unit_id, start=start, end=end, bucket=bucket)
    metrics = await service.listening_metrics(session, caller, query)
    return Response(trend_svg(metrics), media_type="image/svg+xml")


@router.get(
    "/metrics/listening.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "A trend chart."}},
)
async def get_listening_chart_png(
    session: Session,
    caller: Caller,
    unit_id: UnitId = None,
    start: From = None,
    end: To = None,
    bucket: BarSize = MetricsBucket.WEEK,
) -> Response:
    """The same trend chart as a PNG image, for mail and documents that show no SVG."""
    query = MetricsQuery(unit_id=unit_id, start=start, end=end, bucket=bucket)
    metrics = await service.listening_metrics(session, caller, query)
    return Response(trend_png(metrics), media_type="image/png")


def _linkage_query(
    unit_id: Annotated[
        uuid.UUID | None,
        Query(description="The unit whose subtree is linked; by default your whole reading scope."),
    ] = None,
    cx: Annotated[CxMeasure, Query(description="The customer outcome.")] = CxMeasure.NPS,
    ex: Annotated[
        str,
        Query(
            min_length=1,
            max_length=80,
            description="The EX measure: `engagement` (the mean of every factor), `enps` or "
            "a factor's name; the report lists those there are data for.",
        ),
    ] = "engagement",
    grain: Annotated[PeriodGrain, Query(description="Months or quarters.")] = PeriodGrain.MONTH,
    start: Annotated[
        date | None,
        Query(
            alias="from",
            description="The first month (any day of it); by default 24 months before `to`.",
        ),
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="The last month; by default this month.")
    ] = None,
    lag: Annotated[
        int,
        Query(
            ge=MIN_LAG,
            le=MAX_LAG,
            description="Periods from EX to CX for the model and the scatter (negative: CX first).",
        ),
    ] = 1,
) -> LinkageQuery:
    return LinkageQuery(unit_id=unit_id, cx=cx, ex=ex, grain=grain, start=start, end=end, lag=lag)


Linkage = Annotated[LinkageQuery, Depends(_linkage_query)]
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "The chart as SVG."}
}
_PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The chart as a PNG image."}
}


@router.get("/linkage")
async def get_linkage(
    session: Session,
    caller: Caller,
    query: Linkage,
    table: Annotated[
        bool, Query(description="Add the unit × period table the figures come from.")
    ] = False,
) -> LinkageReport:
    """EX and CX joined per unit and period (managers, HR and administrators): the mixed
    model's within-unit slope first, the association at lags −2…2 across units and over
    time inside units, the unit scatter and the platform's listening signals. Only EX that
    the anonymity floors release enters; fewer than 30 units is reported as insufficient.
    Associations, not causes."""
    return await linkage.linkage(session, caller, query, with_table=table)


@router.get("/linkage/drivers")
async def get_linkage_drivers(session: Session, caller: Caller, query: Linkage) -> DriverReport:
    """Which EX factors and listening signals go with the CX outcome across units, by
    Johnson's relative weights with 95 % bootstrap intervals."""
    return await linkage.drivers(session, caller, query)


@router.get("/linkage/scatter.svg", response_class=Response, responses=_SVG)
async def get_linkage_scatter(session: Session, caller: Caller, query: Linkage) -> Response:
    """The unit scatter (mean EX against mean CX lag periods later) with the fitted line and
    its 95 % band."""
    report = await linkage.linkage(session, caller, query)
    return Response(linkage_charts.scatter(report).to_svg(), media_type="image/svg+xml")


@router.get("/linkage/scatter.png", response_class=Response, responses=_PNG)
async def get_linkage_scatter_png(session: Session, caller: Caller, query: Linkage) -> Response:
    """The unit scatter as a PNG image."""
    report = await linkage.linkage(session, caller, query)
    return Response(linkage_charts.scatter(report).to_png(), media_type="image/png")


@router.get("/linkage/lags.svg", response_class=Response, responses=_SVG)
async def get_linkage_lags(session: Session, caller: Caller, query: Linkage) -> Response:
    """The association at each lag, across units and within units, with 95 % intervals."""
    report = await linkage.linkage(session, caller, query)
    return Response(linkage_charts.lag_bars(report).to_svg(), media_type="image/svg+xml")


@router.get("/linkage/lags.png", response_class=Response, responses=_PNG)
async def get_linkage_lags_png(session: Session, caller: Caller, query: Linkage) -> Response:
    """The lag bars as a PNG image."""
    report = await linkage.linkage(session, caller, query)
    return Response(linkage_charts.lag_bars(report).to_png(), media_type="image/png")


@router.get("/linkage/drivers.svg", response_class=Response, responses=_SVG)
async def get_linkage_drivers_chart(session: Session, caller: Caller, query: Linkage) -> Response:
    """The drivers with their bootstrap intervals."""
    report = await linkage.drivers(session, caller, query)
    return Response(linkage_charts.driver_bars(report).to_svg(), media_type="image/svg+xml")


@router.get("/linkage/drivers.png", response_class=Response, responses=_PNG)
async def get_linkage_drivers_png(session: Session, caller: Caller, query: Linkage) -> Response:
    """The drivers as a PNG image."""
    report = await linkage.drivers(session, caller, query)
    return Response(linkage_charts.driver_bars(report).to_png(), media_type="image/png")
