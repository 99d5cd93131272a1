"""Listening metrics in GraphQL: how fast and how reliably managers answer the frontline."""

from datetime import date, datetime
from typing import Annotated, Self

import strawberry
from strawberry.experimental import pydantic as derived

from app.analytics import linkage, schemas
from app.analytics import service as analytics_service
from app.analytics.gql_types import DriverReport, LinkageReport
from app.analytics.linkage_schemas import CxMeasure, LinkageQuery, PeriodGrain
from app.analytics.schemas import MetricsBucket, MetricsGrouping
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import uuid_of
from app.org.gql import Person, Unit


@derived.type(
    schemas.DurationStats,
    all_fields=True,
    description="Seconds from posting to an act, over the insights where it happened.",
)
class DurationStats:
    pass


@derived.type(
    schemas.Share,
    all_fields=True,
    description="`met` of `of` insights; `share` is null when none can be judged.",
)
class Share:
    pass


@derived.type(
    schemas.UnitMetrics, all_fields=True, description="Listening metrics of a set of insights."
)
class UnitMetrics:
    pass


@derived.type(
    schemas.ManagerMetrics,
    all_fields=True,
    description="What one person did: each duration counts the acts they did.",
)
class ManagerMetrics:
    manager: Person


@derived.type(
    schemas.UnitGroup,
    all_fields=True,
    description="The metrics of a child unit's subtree, or of the unit itself.",
)
class UnitMetricsGroup:
    unit: Unit


@derived.type(
    schemas.TrendPoint,
    all_fields=True,
    description="The metrics of the insights posted in one bucket of time.",
)
class TrendPoint:
    pass


# Hand-written: REST describes `start` and `end`, this type does not.
@strawberry.type(description="How fast and how reliably a unit's managers answer the frontline.")
class ListeningMetrics:
    unit: Unit
    start: datetime
    end: datetime
    totals: UnitMetrics
    units: list[UnitMetricsGroup] | None
    managers: list[ManagerMetrics] | None
    bucket: MetricsBucket | None
    trend: list[TrendPoint] | None

    @classmethod
    def from_pydantic(cls, out: schemas.ListeningMetrics) -> Self:
        return cls(
            unit=Unit.from_pydantic(out.unit),
            start=out.start,
            end=out.end,
            totals=UnitMetrics.from_pydantic(out.totals),
            units=None
            if out.units is None
            else [UnitMetricsGroup.from_pydantic(g) for g in out.units],
            managers=None
            if out.managers is None
            else [ManagerMetrics.from_pydantic(m) for m in out.managers],
            bucket=out.bucket,
            trend=None if out.trend is None else [TrendPoint.from_pydantic(p) for p in out.trend],
        )


@strawberry.type
class AnalyticsQueries:
    @field(
        "Listening metrics of the insights posted in a unit's subtree during [from, to): by "
        "default your whole reading scope over the last 30 days (managers, HR, administrators)."
    )
    async def listening_metrics(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        group_by: list[MetricsGrouping] | None = None,
        bucket: MetricsBucket | None = None,
    ) -> ListeningMetrics:
        query = schemas.MetricsQuery(
            unit_id=uuid_of("Unit", unit_id) if unit_id is not None else None,
            start=from_,
            end=to,
            group_by=group_by or [],
            bucket=bucket,
        )
        return ListeningMetrics.from_pydantic(
            await info.context.read(analytics_service.listening_metrics, query)
        )


def _linkage_query(
    unit_id: strawberry.ID | None,
    cx: CxMeasure,
    ex: str,
    grain: PeriodGrain,
    from_: date | None,
    to: date | None,
    lag: int,
) -> LinkageQuery:
    return LinkageQuery(
        unit_id=uuid_of("Unit", unit_id) if unit_id is not None else None,
        cx=cx,
        ex=ex,
        grain=grain,
        start=from_,
        end=to,
        lag=lag,
    )


@strawberry.type
class LinkageQueries:
    @field(
        "EX and CX joined per unit and period in a unit's subtree (managers, HR, "
        "administrators): the mixed model's within-unit slope, the association at lags "
        "-2..2, the unit scatter and the listening signals. Only EX the anonymity floors "
        "release enters. Associations, not causes."
    )
    async def linkage(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        cx: CxMeasure = CxMeasure.NPS,
        ex: str = "engagement",
        grain: PeriodGrain = PeriodGrain.MONTH,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        lag: int = 1,
        with_table: bool = False,
    ) -> LinkageReport:
        query = _linkage_query(unit_id, cx, ex, grain, from_, to, lag)
        report = await info.context.read(linkage.linkage, query, with_table=with_table)
        return LinkageReport.from_pydantic(report)

    @field(
        "Which EX factors and listening signals go with the CX outcome across units, by "
        "Johnson's relative weights with 95 % bootstrap intervals."
    )
    async def linkage_drivers(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        cx: CxMeasure = CxMeasure.NPS,
        grain: PeriodGrain = PeriodGrain.MONTH,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> DriverReport:
        query = _linkage_query(unit_id, cx, "engagement", grain, from_, to, 1)
        return DriverReport.from_pydantic(await info.context.read(linkage.drivers, query))
