"""GraphQL object types, built from the pydantic objects the services return.

One GraphQL type per kind of object, so a global id always comes with the same `__typename`.
Fields the service returned with the object are plain; the few that need more data than the
object came with resolve through the request's loaders, only when a query asks for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.actions.schemas import ActionStatus
from app.analytics.schemas import DurationStats as DurationStatsOut
from app.analytics.schemas import ListeningMetrics as ListeningMetricsOut
from app.analytics.schemas import ManagerMetrics as ManagerMetricsOut
from app.analytics.schemas import MetricsBucket, MetricsGrouping
from app.analytics.schemas import Share as ShareOut
from app.analytics.schemas import UnitMetrics as UnitMetricsOut
from app.attachments.schemas import AttachmentKind
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id
from app.gql.relay import Node
from app.insights.schemas import (
    BulkOperation,
    EventType,
    ImpactLevel,
    InsightKind,
    InsightStatus,
    Visibility,
)
from app.loop.schemas import (
    Audience,
    Channel,
    ContactChannel,
    DeliveryStatus,
)
from app.notify.schemas import NotificationKind
from app.org.gql import Person, Unit
from app.org.schemas import Role, UnitKind
from app.platform.i18n import Locale
from app.webhooks import service as webhooks_service
from app.webhooks.schemas import AttemptOut, DeliveryOut, DeliveryState, WebhookOut

for _enum in (
    ActionStatus,
    AttachmentKind,
    Audience,
    BulkOperation,
    Channel,
    ContactChannel,
    DeliveryState,
    DeliveryStatus,
    EventType,
    ImpactLevel,
    InsightKind,
    MetricsBucket,
    MetricsGrouping,
    InsightStatus,
    Locale,
    NotificationKind,
    Role,
    UnitKind,
    Visibility,
):
    strawberry.enum(_enum)


@strawberry.type(description="Seconds from posting to an act, over the insights where it happened.")
class DurationStats:
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    mean_seconds: float | None

    @classmethod
    def of(cls, out: DurationStatsOut) -> DurationStats:
        return cls(
            count=out.count,
            median_seconds=out.median_seconds,
            p90_seconds=out.p90_seconds,
            mean_seconds=out.mean_seconds,
        )


@strawberry.type(description="`met` of `of` insights; `share` is null when none can be judged.")
class Share:
    met: int
    of: int
    share: float | None

    # Not `of`, as elsewhere: that name is a field of this type.
    @classmethod
    def of_(cls, out: ShareOut) -> Share:
        return cls(met=out.met, of=out.of, share=out.share)


@strawberry.type(description="Listening metrics of a set of insights.")
class UnitMetrics:
    insights: int
    time_to_acknowledge: DurationStats
    time_to_first_action: DurationStats
    time_to_tell_reporter: DurationStats
    time_to_tell_customer: DurationStats
    acknowledged_within_deadline: Share
    loop_closed_within_deadline: Share
    escalations: int
    escalated: Share
    open_now: int
    overdue_now: int

    @classmethod
    def of(cls, out: UnitMetricsOut) -> UnitMetrics:
        return cls(
            insights=out.insights,
            time_to_acknowledge=DurationStats.of(out.time_to_acknowledge),
            time_to_first_action=DurationStats.of(out.time_to_first_action),
            time_to_tell_reporter=DurationStats.of(out.time_to_tell_reporter),
            time_to_tell_customer=DurationStats.of(out.time_to_tell_customer),
            acknowledged_within_deadline=Share.of_(out.acknowledged_within_deadline),
            loop_closed_within_deadline=Share.of_(out.loop_closed_within_deadline),
            escalations=out.escalations,
            escalated=Share.of_(out.escalated),
            open_now=out.open_now,
            overdue_now=out.overdue_now,
        )


@strawberry.type(description="What one person did: each duration counts the acts they did.")
class ManagerMetrics:
    manager: Person
    insights: int
    time_to_acknowledge: DurationStats
    time_to_first_action: DurationStats
    time_to_tell_reporter: DurationStats
    time_to_tell_customer: DurationStats
    acknowledged_within_deadline: Share
    loop_closed_within_deadline: Share

    @classmethod
    def of(cls, out: ManagerMetricsOut) -> ManagerMetrics:
        return cls(
            manager=Person.from_pydantic(out.manager),
            insights=out.insights,
            time_to_acknowledge=DurationStats.of(out.time_to_acknowledge),
            time_to_first_action=DurationStats.of(out.time_to_first_action),
            time_to_tell_reporter=DurationStats.of(out.time_to_tell_reporter),
            time_to_tell_customer=DurationStats.of(out.time_to_tell_customer),
            acknowledged_within_deadline=Share.of_(out.acknowledged_within_deadline),
            loop_closed_within_deadline=Share.of_(out.loop_closed_within_deadline),
        )


@strawberry.type(description="The metrics of a child unit's subtree, or of the unit itself.")
class UnitMetricsGroup:
    unit: Unit
    metrics: UnitMetrics


@strawberry.type(description="The metrics of the insights posted in one bucket of time.")
class TrendPoint:
    start: datetime
    metrics: UnitMetrics


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
    def of(cls, out: ListeningMetricsOut) -> ListeningMetrics:
        return cls(
            unit=Unit.from_pydantic(out.unit),
            start=out.start,
            end=out.end,
            totals=UnitMetrics.of(out.totals),
            units=None
            if out.units is None
            else [
                UnitMetricsGroup(unit=Unit.from_pydantic(g.unit), metrics=UnitMetrics.of(g.metrics))
                for g in out.units
            ],
            managers=None if out.managers is None else [ManagerMetrics.of(m) for m in out.managers],
            bucket=out.bucket,
            trend=None
            if out.trend is None
            else [TrendPoint(start=p.start, metrics=UnitMetrics.of(p.metrics)) for p in out.trend],
        )


@strawberry.type(description="One request made for a webhook delivery, or refused before it.")
class WebhookAttempt:
    attempt: int
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due; null once delivered or given up."
    )

    @classmethod
    def of(cls, out: AttemptOut) -> WebhookAttempt:
        return cls(**out.model_dump())


@strawberry.type(description="One timeline event for one webhook, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID
    message_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every retry, for deduplication."
    )
    event_type: str
    state: DeliveryState
    next_attempt_at: datetime | None
    created_at: datetime
    succeeded_at: datetime | None
    attempts: list[WebhookAttempt]

    @classmethod
    def of(cls, out: DeliveryOut) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(out.id)),
            message_id=out.message_id,
            event_type=out.event_type,
            state=out.state,
            next_attempt_at=out.next_attempt_at,
            created_at=out.created_at,
            succeeded_at=out.succeeded_at,
            attempts=[WebhookAttempt.of(a) for a in out.attempts],
        )


@strawberry.type(description="A receiver of the organisation's timeline events (administrators).")
class Webhook(Node):
    key: strawberry.Private[uuid.UUID]
    url: str
    description: str | None
    event_types: list[EventType] = strawberry.field(description="Empty: every type.")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, out: WebhookOut) -> Webhook:
        return cls(
            id=global_id("Webhook", out.id),
            key=out.id,
            url=out.url,
            description=out.description,
            event_types=out.event_types,
            active=out.active,
            created_at=out.created_at,
            updated_at=out.updated_at,
        )

    @field("The delivery log: recent deliveries, newest first, each with its attempts.")
    async def deliveries(self, info: Info, first: int = 50) -> list[WebhookDelivery]:
        found = await info.context.read(webhooks_service.list_deliveries, self.key, limit=first)
        return [WebhookDelivery.of(d) for d in found]
