import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.actions.schemas import ActionSummary
from app.insights.models import EventType, InsightKind, InsightStatus, Visibility
from app.loop.schemas import AnswerOut, CustomerContactCreate, CustomerContactOut
from app.org.schemas import PersonRef, UnitRef


class ImpactLevel(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


IMPACT_LEVELS: tuple[ImpactLevel, ...] = tuple(ImpactLevel)


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
    status: InsightStatus
    ack_due_at: datetime
    respond_due_at: datetime
    overdue: bool
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
    author: PersonRef | None = Field(
        description="Left out when the confidential reporter wrote it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime


class EventOut(BaseModel):
    id: int
    type: EventType
    actor: PersonRef | None = Field(description="Left out when the confidential reporter acted.")
    by_reporter: bool
    data: dict[str, Any]
    created_at: datetime
