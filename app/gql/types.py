"""GraphQL object types, built from the pydantic objects the services return.

One GraphQL type per kind of object, so a global id always comes with the same `__typename`.
Fields the service returned with the object are plain; the few that need more data than the
object came with resolve through the request's loaders, only when a query asks for them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from app.actions.schemas import ActionOut, ActionStatus, ActionSummary
from app.analytics.schemas import DurationStats as DurationStatsOut
from app.analytics.schemas import ListeningMetrics as ListeningMetricsOut
from app.analytics.schemas import ManagerMetrics as ManagerMetricsOut
from app.analytics.schemas import MetricsBucket, MetricsGrouping
from app.analytics.schemas import Share as ShareOut
from app.analytics.schemas import UnitMetrics as UnitMetricsOut
from app.attachments.schemas import AttachmentKind, AttachmentOut
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id
from app.gql.relay import Node
from app.insights.schemas import (
    BulkItemResult,
    BulkOperation,
    BulkTriageOut,
    CommentOut,
    EndorsementOut,
    EventOut,
    EventType,
    ImpactLevel,
    InsightDetail,
    InsightKind,
    InsightOut,
    InsightStatus,
    MyInsightOut,
    Visibility,
)
from app.insights.schemas import (
    EndorsingUnit as EndorsingUnitOut,
)
from app.insights.schemas import (
    MergedOutcome as MergedOutcomeOut,
)
from app.loop.schemas import (
    AnswerOut,
    Audience,
    Channel,
    ContactChannel,
    CustomerContactOut,
    DeliveryStatus,
)
from app.notify.schemas import NotificationKind
from app.org.gql import Person, Unit, optional_person
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


@strawberry.type(description="A message to the reporter or the customer, with its delivery.")
class Communication:
    id: strawberry.ID
    audience: Audience
    message: str
    channel: Channel
    author: Person | None
    status: DeliveryStatus = strawberry.field(
        description="QUEUED → SENT → DELIVERED, or FAILED; in-app answers are delivered at once."
    )
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    failure_reason: str | None
    acknowledged_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, out: AnswerOut) -> Communication:
        return cls(
            id=global_id("Communication", out.id),
            audience=out.audience,
            message=out.message,
            channel=out.channel,
            author=optional_person(out.author),
            status=out.status,
            sent_at=out.sent_at,
            delivered_at=out.delivered_at,
            failed_at=out.failed_at,
            failure_reason=out.failure_reason,
            acknowledged_at=out.acknowledged_at,
            created_at=out.created_at,
        )


@strawberry.type(
    description="The customer loop of an insight. Name and address only to those who must "
    "reach the customer and to the reporter; after erasure, to nobody."
)
class CustomerContact:
    channel: Channel
    name: str | None
    address: str | None
    consent_text: str | None
    consented_at: datetime
    owner: Person | None = strawberry.field(description="Who tells the customer.")
    due_at: datetime
    told_at: datetime | None = strawberry.field(
        description="When a message reached the customer: the customer loop is closed."
    )
    erased_at: datetime | None

    @classmethod
    def of(cls, out: CustomerContactOut) -> CustomerContact:
        return cls(
            channel=out.channel,
            name=out.name,
            address=out.address,
            consent_text=out.consent_text,
            consented_at=out.consented_at,
            owner=optional_person(out.owner),
            due_at=out.due_at,
            told_at=out.told_at,
            erased_at=out.erased_at,
        )


@strawberry.type(description='"I see this too": a colleague backs an insight from their unit.')
class Endorsement:
    id: strawberry.ID
    insight_id: strawberry.ID
    unit: Unit
    note: str | None
    endorser: Person | None = strawberry.field(
        description="Shown to the insight's managers and to the endorser themselves."
    )
    is_mine: bool
    created_at: datetime

    @classmethod
    def of(cls, out: EndorsementOut) -> Endorsement:
        return cls(
            id=global_id("Endorsement", out.id),
            insight_id=global_id("Insight", out.insight_id),
            unit=Unit.from_pydantic(out.unit),
            note=out.note,
            endorser=optional_person(out.endorser),
            is_mine=out.is_mine,
            created_at=out.created_at,
        )


@strawberry.type
class EndorsingUnit:
    unit: Unit
    count: int

    @classmethod
    def of(cls, out: EndorsingUnitOut) -> EndorsingUnit:
        return cls(unit=Unit.from_pydantic(out.unit), count=out.count)


@strawberry.type(description="The outcome of the insight a merged one follows.")
class MergedOutcome:
    insight_id: strawberry.ID
    status: InsightStatus
    closed_at: datetime | None
    resolution: str | None
    loop_closed_at: datetime | None

    @classmethod
    def of(cls, out: MergedOutcomeOut) -> MergedOutcome:
        return cls(
            insight_id=global_id("Insight", out.id),
            status=out.status,
            closed_at=out.closed_at,
            resolution=out.resolution,
            loop_closed_at=out.loop_closed_at,
        )


@strawberry.type(description="A photo or a short recording on an insight or a comment.")
class Attachment:
    id: strawberry.ID
    kind: AttachmentKind
    media_type: str = strawberry.field(description="Decided from the content.")
    size: int = strawberry.field(description="Bytes of the stored content.")
    sha256: str
    width: int | None
    height: int | None
    duration_seconds: float | None
    uploaded_by: Person | None = strawberry.field(
        description="Null when the confidential reporter uploaded it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime
    content_url: str = strawberry.field(description="REST path of the bytes (bearer token).")
    thumbnail_url: str | None = strawberry.field(description="Images only.")

    @classmethod
    def of(cls, out: AttachmentOut) -> Attachment:
        return cls(
            id=global_id("Attachment", out.id),
            kind=out.kind,
            media_type=out.media_type,
            size=out.size,
            sha256=out.sha256,
            width=out.width,
            height=out.height,
            duration_seconds=out.duration_seconds,
            uploaded_by=optional_person(out.uploaded_by),
            by_reporter=out.by_reporter,
            is_mine=out.is_mine,
            created_at=out.created_at,
            content_url=out.content_url,
            thumbnail_url=out.thumbnail_url,
        )


@strawberry.type(description="A message in the thread between the reporter and the managers.")
class Comment:
    id: strawberry.ID
    body: str
    language: str | None = strawberry.field(
        description="ISO 639-1 code detected from the body (fi, sv, en)."
    )
    author: Person | None = strawberry.field(
        description="Null when the confidential reporter wrote it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime
    attachments: list[Attachment]

    @classmethod
    def of(cls, out: CommentOut) -> Comment:
        return cls(
            id=global_id("Comment", out.id),
            body=out.body,
            language=out.language,
            author=optional_person(out.author),
            by_reporter=out.by_reporter,
            is_mine=out.is_mine,
            created_at=out.created_at,
            attachments=[Attachment.of(a) for a in out.attachments],
        )


@strawberry.type(description="One change in an insight's timeline.")
class InsightEvent:
    id: strawberry.ID
    type: EventType
    actor: Person | None = strawberry.field(
        description="Null for the system, and when the confidential reporter acted."
    )
    by_reporter: bool
    data: JSON
    created_at: datetime

    @classmethod
    def of(cls, out: EventOut) -> InsightEvent:
        return cls(
            id=global_id("InsightEvent", out.id),
            type=out.type,
            actor=optional_person(out.actor),
            by_reporter=out.by_reporter,
            data=JSON(out.data),
            created_at=out.created_at,
        )


@strawberry.type(description="Something a manager does; one action can answer many insights.")
class Action(Node):
    title: str
    status: ActionStatus
    outcome: str | None
    key: strawberry.Private[uuid.UUID]
    # Absent for the summaries an insight lists its actions with.
    full: strawberry.Private[ActionOut | None] = None

    @classmethod
    def of(cls, out: ActionOut) -> Action:
        return cls(
            id=global_id("Action", out.id),
            title=out.title,
            status=out.status,
            outcome=out.outcome,
            key=out.id,
            full=out,
        )

    @classmethod
    def summary(cls, out: ActionSummary) -> Action:
        return cls(
            id=global_id("Action", out.id),
            title=out.title,
            status=out.status,
            outcome=out.outcome,
            key=out.id,
        )

    async def _full(self, info: Info) -> ActionOut:
        if self.full is None:
            self.full = await info.context.loaders.action.load(self.key)
        return self.full

    @strawberry.field
    async def description(self, info: Info) -> str | None:
        return (await self._full(info)).description

    @strawberry.field
    async def owner(self, info: Info) -> Person:
        return Person.from_pydantic((await self._full(info)).owner)

    @strawberry.field
    async def due_on(self, info: Info) -> date | None:
        return (await self._full(info)).due_on

    @field("The linked insights the caller may see.")
    async def insight_ids(self, info: Info) -> list[strawberry.ID]:
        return [global_id("Insight", i) for i in (await self._full(info)).insight_ids]

    @strawberry.field
    async def created_at(self, info: Info) -> datetime:
        return (await self._full(info)).created_at

    @strawberry.field
    async def updated_at(self, info: Info) -> datetime:
        return (await self._full(info)).updated_at

    @strawberry.field
    async def completed_at(self, info: Info) -> datetime | None:
        return (await self._full(info)).completed_at


@strawberry.type(description="An observation, story, idea, complaint or praise from the frontline.")
class Insight(Node):
    kind: InsightKind
    text: str
    language: str | None
    journey_stage: str | None
    touchpoint: str | None
    customer_impact: ImpactLevel
    customers_affected: int | None
    occurred_at: datetime
    unit: Unit
    owner_unit: Unit
    author: Person | None = strawberry.field(
        description="Null for a confidential insight unless the caller wrote it."
    )
    is_mine: bool
    visibility: Visibility
    tags: list[str]
    status: InsightStatus
    ack_due_at: datetime
    respond_due_at: datetime
    overdue: bool
    escalation_level: int = strawberry.field(
        description="How many times a missed deadline moved it up since it was routed."
    )
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    loop_closed_at: datetime | None
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="Set when merged: the insight that answers for this one now."
    )
    endorsement_count: int
    endorsing_units: list[EndorsingUnit] = strawberry.field(
        description="Where the colleagues who backed it work, most first."
    )
    customer_contact: CustomerContact | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change safely."
    )
    key: strawberry.Private[uuid.UUID]
    # What the service returned beyond the summary: the detail of one insight, or the
    # reporter's follow-up (actions, latest answer) that comes with each of their own.
    detail: strawberry.Private[InsightDetail | None] = None
    follow_up: strawberry.Private[MyInsightOut | None] = None

    @classmethod
    def of(cls, out: InsightOut) -> Insight:
        return cls(
            id=global_id("Insight", out.id),
            kind=out.kind,
            text=out.text,
            language=out.language,
            journey_stage=out.journey_stage,
            touchpoint=out.touchpoint,
            customer_impact=out.customer_impact,
            customers_affected=out.customers_affected,
            occurred_at=out.occurred_at,
            unit=Unit.from_pydantic(out.unit),
            owner_unit=Unit.from_pydantic(out.owner_unit),
            author=optional_person(out.author),
            is_mine=out.is_mine,
            visibility=out.visibility,
            tags=out.tags,
            status=out.status,
            ack_due_at=out.ack_due_at,
            respond_due_at=out.respond_due_at,
            overdue=out.overdue,
            escalation_level=out.escalation_level,
            acknowledged_at=out.acknowledged_at,
            closed_at=out.closed_at,
            resolution=out.resolution,
            loop_closed_at=out.loop_closed_at,
            merged_into_id=global_id("Insight", out.merged_into_id) if out.merged_into_id else None,
            endorsement_count=out.endorsement_count,
            endorsing_units=[EndorsingUnit.of(u) for u in out.endorsing_units],
            customer_contact=(
                CustomerContact.of(out.customer_contact) if out.customer_contact else None
            ),
            created_at=out.created_at,
            updated_at=out.updated_at,
            version=out.version,
            key=out.id,
            detail=out if isinstance(out, InsightDetail) else None,
            follow_up=out if isinstance(out, MyInsightOut) else None,
        )

    async def _detail(self, info: Info) -> InsightDetail:
        if self.detail is None:
            self.detail = await info.context.loaders.insight.load(self.key)
        return self.detail

    @field("The actions linked to it.")
    async def actions(self, info: Info) -> list[Action]:
        if self.follow_up is not None:
            summaries = self.follow_up.actions
        else:
            summaries = (await self._detail(info)).actions
        return [Action.summary(a) for a in summaries]

    @field("Messages to the reporter; to its managers, messages to the customer too.")
    async def answers(self, info: Info) -> list[Communication]:
        return [Communication.of(a) for a in (await self._detail(info)).answers]

    @field("Photos and recordings on the insight itself (a comment lists its own).")
    async def attachments(self, info: Info) -> list[Attachment]:
        return [Attachment.of(a) for a in (await self._detail(info)).attachments]

    @field("The newest message to the reporter.")
    async def latest_answer(self, info: Info) -> Communication | None:
        if self.follow_up is not None:
            latest = self.follow_up.latest_answer
        else:
            told = [
                a for a in (await self._detail(info)).answers if a.audience is Audience.REPORTER
            ]
            latest = told[-1] if told else None
        return Communication.of(latest) if latest is not None else None

    @field(
        "In your own insights (`myInsights`), for a merged one: the outcome of the insight it "
        "follows. Null elsewhere."
    )
    def merged_into(self) -> MergedOutcome | None:
        if self.follow_up is None or self.follow_up.merged_into is None:
            return None
        return MergedOutcome.of(self.follow_up.merged_into)

    @field("Who backed it and from where; the endorsers are named to its managers only.")
    async def endorsements(self, info: Info) -> list[Endorsement]:
        return [Endorsement.of(e) for e in await info.context.loaders.endorsements.load(self.key)]

    @field("Every change, oldest first: the audit log.")
    async def timeline(self, info: Info) -> list[InsightEvent]:
        return [InsightEvent.of(e) for e in await info.context.loaders.timeline.load(self.key)]

    @field("The thread between the reporter and the managers, oldest first.")
    async def comments(self, info: Info) -> list[Comment]:
        return [Comment.of(c) for c in await info.context.loaders.comments.load(self.key)]


@strawberry.type(description="Why one insight of a bulk change failed.")
class TriageError:
    code: str
    status: int
    message: str


@strawberry.type(description="What a bulk change did to one insight.")
class TriageResult:
    insight_id: strawberry.ID
    ok: bool
    status: InsightStatus | None
    owner_unit: Unit | None
    error: TriageError | None

    @classmethod
    def of(cls, out: BulkItemResult) -> TriageResult:
        error = out.error
        return cls(
            insight_id=global_id("Insight", out.insight_id),
            ok=out.ok,
            status=out.status,
            owner_unit=Unit.from_pydantic(out.owner_unit) if out.owner_unit else None,
            error=TriageError(code=error.code, status=error.status, message=error.detail)
            if error
            else None,
        )


@strawberry.type
class TriageInsightsPayload:
    succeeded: int
    failed: int
    results: list[TriageResult] = strawberry.field(description="One per insight, in order.")

    @classmethod
    def of(cls, out: BulkTriageOut) -> TriageInsightsPayload:
        return cls(
            succeeded=out.succeeded,
            failed=out.failed,
            results=[TriageResult.of(r) for r in out.results],
        )


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
