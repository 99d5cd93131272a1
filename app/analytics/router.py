import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.analytics import service
from app.analytics.chart import trend_png, trend_svg
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
