"""An insight in GraphQL and all it shows: its timeline, its thread, who backed it, and what is
linked to it (actions, answers, the customer contact, attachments).

The types of what is linked live here, below the actions, loop and attachments domains that
return them too, so that no domain's GraphQL imports a domain above it. Fields the service
returned with the object are plain; the few that need more data than the object came with
resolve through the request's loaders, only when a query asks for them.
"""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry.experimental import pydantic as derived
from strawberry.scalars import JSON

from app.actions.schemas import ActionOut, ActionStatus, ActionSummary
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id, global_id_field
from app.gql.relay import Node
from app.insights import schemas
from app.insights.schemas import (
    AttachmentKind,
    AttachmentOut,
    BulkItemResult,
    BulkTriageOut,
    Channel,
    CommentOut,
    CustomerContactOut,
    EndorsementOut,
    EventOut,
    EventType,
    InsightKind,
    InsightOut,
    InsightStatus,
    Visibility,
)
from app.loop import schemas as loop_schemas
from app.loop.schemas import (
    AnswerOut,
    Audience,
    DeliveryStatus,
    InsightDetail,
    MyInsightOut,
)
from app.org.gql import Person, Unit, optional_person, person

if TYPE_CHECKING:
    from app.themes.gql import SimilarInsights, Theme
from app.org.taxonomy import ImpactLevel
from app.platform.errors import NotFound


# Hand-written: the description of `status` is not that of REST.
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
    def from_pydantic(cls, out: AnswerOut) -> Self:
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


# Hand-written: the descriptions of `owner` and `dueAt` are not those of REST.
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
    def from_pydantic(cls, out: CustomerContactOut) -> Self:
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


# Hand-written: three of its descriptions are not those of REST.
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
    def from_pydantic(cls, out: AttachmentOut) -> Self:
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


# Hand-written: a Node in another field order than ActionOut, mostly loaded on demand.
@strawberry.type(description="Something a manager does; one action can answer many insights.")
class Action(Node):
    title: str
    status: ActionStatus
    outcome: str | None
    key: strawberry.Private[uuid.UUID]
    # Absent for the summaries an insight lists its actions with.
    full: strawberry.Private[ActionOut | None] = None

    @classmethod
    def from_pydantic(cls, out: ActionSummary | ActionOut) -> Self:
        return cls(
            id=global_id("Action", out.id),
            title=out.title,
            status=out.status,
            outcome=out.outcome,
            key=out.id,
            full=out if isinstance(out, ActionOut) else None,
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
        return person((await self._full(info)).owner)

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


@derived.type(
    EndorsementOut,
    all_fields=True,
    description='"I see this too": a colleague backs an insight from their unit.',
)
class Endorsement:
    # The uuids the model holds, published as global ids by the fields below.
    id: strawberry.Private[uuid.UUID]
    insight_id: strawberry.Private[uuid.UUID]
    id_field = global_id_field("Endorsement")
    insight_id_field = global_id_field("Insight", "insight_id", name="insightId")
    unit: Unit
    endorser: Person | None


@derived.type(schemas.EndorsingUnit, all_fields=True)
class EndorsingUnit:
    unit: Unit


@derived.type(
    loop_schemas.MergedOutcome,
    all_fields=True,
    description="The outcome of the insight a merged one follows.",
)
class MergedOutcome:
    id: strawberry.Private[uuid.UUID]
    insight_id_field = global_id_field("Insight", name="insightId")


# Hand-written: the description of `author` is not that of REST.
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
    def from_pydantic(cls, out: CommentOut) -> Self:
        return cls(
            id=global_id("Comment", out.id),
            body=out.body,
            language=out.language,
            author=optional_person(out.author),
            by_reporter=out.by_reporter,
            is_mine=out.is_mine,
            created_at=out.created_at,
            attachments=[Attachment.from_pydantic(a) for a in out.attachments],
        )


# Hand-written: the description of `actor` is not that of REST.
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
    def from_pydantic(cls, out: EventOut) -> Self:
        return cls(
            id=global_id("InsightEvent", out.id),
            type=out.type,
            actor=optional_person(out.actor),
            by_reporter=out.by_reporter,
            data=JSON(out.data),
            created_at=out.created_at,
        )


# Hand-written: a Node with fields loaded on demand, described unlike REST.
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
    def from_pydantic(cls, out: InsightOut) -> Self:
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
            endorsing_units=[EndorsingUnit.from_pydantic(u) for u in out.endorsing_units],
            customer_contact=(
                CustomerContact.from_pydantic(out.customer_contact)
                if out.customer_contact
                else None
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
        return [Action.from_pydantic(a) for a in summaries]

    @field("Messages to the reporter; to its managers, messages to the customer too.")
    async def answers(self, info: Info) -> list[Communication]:
        return [Communication.from_pydantic(a) for a in (await self._detail(info)).answers]

    @field("Photos and recordings on the insight itself (a comment lists its own).")
    async def attachments(self, info: Info) -> list[Attachment]:
        return [Attachment.from_pydantic(a) for a in (await self._detail(info)).attachments]

    @field("The newest message to the reporter.")
    async def latest_answer(self, info: Info) -> Communication | None:
        if self.follow_up is not None:
            latest = self.follow_up.latest_answer
        else:
            told = [
                a for a in (await self._detail(info)).answers if a.audience is Audience.REPORTER
            ]
            latest = told[-1] if told else None
        return Communication.from_pydantic(latest) if latest is not None else None

    @field(
        "In your own insights (`myInsights`), for a merged one: the outcome of the insight it "
        "follows. Null elsewhere."
    )
    def merged_into(self) -> MergedOutcome | None:
        if self.follow_up is None or self.follow_up.merged_into is None:
            return None
        return MergedOutcome.from_pydantic(self.follow_up.merged_into)

    @field("Who backed it and from where; the endorsers are named to its managers only.")
    async def endorsements(self, info: Info) -> list[Endorsement]:
        return [
            Endorsement.from_pydantic(e)
            for e in await info.context.loaders.endorsements.load(self.key)
        ]

    @field("Every change, oldest first: the audit log.")
    async def timeline(self, info: Info) -> list[InsightEvent]:
        return [
            InsightEvent.from_pydantic(e)
            for e in await info.context.loaders.timeline.load(self.key)
        ]

    @field("The thread between the reporter and the managers, oldest first.")
    async def comments(self, info: Info) -> list[Comment]:
        return [
            Comment.from_pydantic(c) for c in await info.context.loaders.comments.load(self.key)
        ]

    @field(
        "The theme it belongs to, for managers, HR and administrators; null while it has "
        "none (or for anyone else)."
    )
    async def theme(
        self, info: Info
    ) -> Annotated["Theme", strawberry.lazy("app.themes.gql")] | None:
        from app.themes.gql import Theme

        try:
            return Theme.from_pydantic(await info.context.loaders.theme.load(self.key))
        except NotFound:
            return None

    @field(
        "The insights nearest in meaning to this one, open or closed, in any language, that "
        "you may read; each with its similarity and a likely-duplicate flag."
    )
    async def similar(
        self, info: Info, first: int = 5
    ) -> Annotated["SimilarInsights", strawberry.lazy("app.themes.gql")]:
        from app.themes import similar
        from app.themes.gql import SimilarInsights

        embedder = info.context.runtime.embedder
        assert embedder is not None
        found = await info.context.read(
            similar.similar_to_insight, self.key, model=embedder.name, limit=max(1, min(first, 20))
        )
        return SimilarInsights.from_pydantic(found)


# Hand-written, as are the two below: renamed and described unlike REST.
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
    def from_pydantic(cls, out: BulkItemResult) -> Self:
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
    def from_pydantic(cls, out: BulkTriageOut) -> Self:
        return cls(
            succeeded=out.succeeded,
            failed=out.failed,
            results=[TriageResult.from_pydantic(r) for r in out.results],
        )
