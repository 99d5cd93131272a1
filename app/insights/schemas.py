import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from app.actions.schemas import ActionSummary
from app.attachments.schemas import AttachmentOut
from app.insights.models import EventType as EventType
from app.insights.models import InsightKind as InsightKind
from app.insights.models import InsightStatus as InsightStatus
from app.insights.models import Visibility as Visibility
from app.loop.schemas import AnswerOut, CustomerContactCreate, CustomerContactOut
from app.org.schemas import PersonRef, UnitRef


class ImpactLevel(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


IMPACT_LEVELS: tuple[ImpactLevel, ...] = tuple(ImpactLevel)


def _normal_tag(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# A label such as "logistics" or "self-checkout": compared in lowercase.
Tag = Annotated[
    str,
    BeforeValidator(_normal_tag),
    Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
]
MAX_TAGS = 10


def unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class InsightCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(
        default=None,
        description="Client-generated id. Posting again with the same id returns the insight.",
    )
    kind: InsightKind
    text: str = Field(min_length=1, max_length=5000)
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}$",
        description="ISO 639-1 code; detected from the text when left out.",
    )
    journey_stage: str | None = Field(default=None, max_length=64)
    touchpoint: str | None = Field(default=None, max_length=64)
    customer_impact: ImpactLevel = ImpactLevel.NONE
    customers_affected: int | None = Field(default=None, ge=0, le=10_000_000)
    occurred_at: datetime | None = Field(
        default=None, description="When it happened; defaults to the time of posting."
    )
    unit_id: uuid.UUID | None = Field(
        default=None, description="Where it happened; defaults to the author's home unit."
    )
    visibility: Visibility = Visibility.NAMED
    tags: list[Tag] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Short labels such as `logistics`; stored in lowercase.",
    )

    @field_validator("tags")
    @classmethod
    def tags_once(cls, value: list[str]) -> list[str]:
        return unique_tags(value)

    customer_contact: CustomerContactCreate | None = Field(
        default=None,
        description="How to tell the customer what happened, with their consent. Personal "
        "data: it can be erased later while the insight stays.",
    )

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("text must not be blank")
        return stripped

    @field_validator("occurred_at")
    @classmethod
    def occurred_at_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a timezone offset")
        return value


class EndorsingUnit(BaseModel):
    unit: UnitRef
    count: int


class InsightOut(BaseModel):
    id: uuid.UUID
    kind: InsightKind
    text: str
    language: str | None
    journey_stage: str | None
    touchpoint: str | None
    customer_impact: ImpactLevel
    customers_affected: int | None
    occurred_at: datetime
    unit: UnitRef
    owner_unit: UnitRef
    author: PersonRef | None = Field(
        description="Left out for a confidential insight unless the caller wrote it."
    )
    is_mine: bool
    visibility: Visibility
    tags: list[str]
    status: InsightStatus
    ack_due_at: datetime
    respond_due_at: datetime
    overdue: bool
    escalation_level: int = Field(
        description="How many times a missed deadline moved it up since it was routed."
    )
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    loop_closed_at: datetime | None
    merged_into_id: uuid.UUID | None = Field(
        description="Set when merged: the insight that answers for this one now."
    )
    endorsement_count: int = Field(description='How many colleagues said "I see this too".')
    endorsing_units: list[EndorsingUnit] = Field(
        description="Where the colleagues who backed it work, most first."
    )
    customer_contact: CustomerContactOut | None = Field(
        description="The customer loop, when the customer left a consented contact."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class InsightDetail(InsightOut):
    actions: list[ActionSummary]
    answers: list[AnswerOut]
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="Photos and recordings on the insight itself."
    )


class MergedOutcome(BaseModel):
    """What became of the insight a merged one follows: its outcome, not its text or author."""

    id: uuid.UUID
    status: InsightStatus
    closed_at: datetime | None
    resolution: str | None
    loop_closed_at: datetime | None


class MyInsightOut(InsightOut):
    """An insight as its reporter follows it: with the actions taken and the latest answer.
    A merged one shows the outcome and actions of the insight it was merged into."""

    actions: list[ActionSummary]
    latest_answer: AnswerOut | None
    merged_into: MergedOutcome | None


class EndorsementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="Client-generated id for safe retries.")
    unit_id: uuid.UUID | None = Field(
        default=None, description="Where you see it too; defaults to your home unit."
    )
    note: str | None = Field(default=None, max_length=500)

    @field_validator("note")
    @classmethod
    def note_or_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class EndorsementOut(BaseModel):
    id: uuid.UUID
    insight_id: uuid.UUID
    unit: UnitRef
    note: str | None
    endorser: PersonRef | None = Field(
        description="Shown to the insight's managers and to the endorser themselves."
    )
    is_mine: bool
    created_at: datetime


class MergeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insight_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="The duplicates to fold into this insight."
    )


class InsightFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[InsightStatus] | None = None
    kind: list[InsightKind] | None = None
    journey_stage: list[str] | None = None
    unit_id: uuid.UUID | None = Field(default=None, description="Only this unit's subtree.")
    q: str | None = Field(
        default=None, max_length=200, description="Text search, Finnish or English."
    )


class ResolveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=5000, description="What was done.")


class DeclineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=5000, description="Why nothing will be done.")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    body: str = Field(min_length=1, max_length=5000)

    @field_validator("body")
    @classmethod
    def body_not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("body must not be blank")
        return stripped


class CommentOut(BaseModel):
    id: uuid.UUID
    body: str
    language: str | None = Field(
        default=None, description="ISO 639-1 code detected from the body (fi, sv, en)."
    )
    author: PersonRef | None = Field(
        description="Left out when the confidential reporter wrote it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime
    attachments: list[AttachmentOut] = Field(default_factory=list)


class EventOut(BaseModel):
    id: int
    type: EventType
    actor: PersonRef | None = Field(description="Left out when the confidential reporter acted.")
    by_reporter: bool
    data: dict[str, Any]
    created_at: datetime


class AssignInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID = Field(
        description="The unit whose managers take it over (the nearest unit at or above it "
        "that has managers)."
    )
    note: str | None = Field(default=None, max_length=2000, description="Why, for the timeline.")


class BulkOperation(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    DECLINE = "decline"


MAX_BULK = 100


class BulkTriageInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: BulkOperation
    insight_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)
    unit_id: uuid.UUID | None = Field(default=None, description="Where to assign them.")
    reason: str | None = Field(
        default=None, max_length=5000, description="Why they are declined; or a note to assign."
    )

    @model_validator(mode="after")
    def operation_has_its_fields(self) -> "BulkTriageInput":
        if self.operation is BulkOperation.ASSIGN and self.unit_id is None:
            raise ValueError("assign needs unit_id")
        if self.operation is BulkOperation.DECLINE and not (self.reason and self.reason.strip()):
            raise ValueError("decline needs a reason")
        return self


class BulkItemError(BaseModel):
    code: str
    status: int
    detail: str


class BulkItemResult(BaseModel):
    insight_id: uuid.UUID
    ok: bool
    status: InsightStatus | None = Field(description="The status after the change.")
    owner_unit: UnitRef | None = Field(description="The owning unit after the change.")
    error: BulkItemError | None


class BulkTriageOut(BaseModel):
    succeeded: int
    failed: int
    results: list[BulkItemResult] = Field(description="One per insight id, in the order given.")
