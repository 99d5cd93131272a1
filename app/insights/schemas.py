import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.insights.models import AttachmentKind as AttachmentKind
from app.insights.models import Channel as Channel
from app.insights.models import EventType as EventType
from app.insights.models import InsightStatus as InsightStatus
from app.insights.models import Visibility as Visibility
from app.org.schemas import PersonRef, UnitRef
from app.org.taxonomy import MAX_TAGS, ImpactLevel, Tag, unique_tags
from app.org.taxonomy import InsightKind as InsightKind
from app.platform.text import NOT_BLANK, NOT_BLANK_SCHEMA, NotBlank

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")


class ContactChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


class CustomerContactCreate(BaseModel):
    """A customer's contact, given with their explicit consent to be told what happened."""

    model_config = ConfigDict(extra="forbid")

    name: NotBlank = Field(min_length=1, max_length=200)
    channel: ContactChannel
    address: NotBlank = Field(
        min_length=3, max_length=320, description="An e-mail address, or a phone number."
    )
    consent: bool = Field(description="The customer agreed to be contacted: must be true.")
    consent_text: str | None = Field(
        default=None, max_length=2000, description="The wording the customer agreed to."
    )

    @model_validator(mode="after")
    def consented_and_reachable(self) -> Self:
        if self.consent is not True:
            raise PydanticCustomError(
                "consent_required", "A customer contact needs the customer's consent."
            )
        pattern = _EMAIL if self.channel is ContactChannel.EMAIL else _PHONE
        if not pattern.match(self.address):
            raise PydanticCustomError(
                "invalid_contact_address",
                "The address is not a valid {channel} address.",
                {"channel": self.channel.value},
            )
        return self


class CustomerContactOut(BaseModel):
    """The customer loop of an insight. Name and address only to those who must reach the
    customer and to the reporter; after erasure, to nobody."""

    channel: Channel
    name: str | None
    address: str | None
    consent_text: str | None
    consented_at: datetime
    owner: PersonRef | None = Field(description="Who tells the customer; null until chosen.")
    due_at: datetime = Field(description="When the customer should have heard back.")
    told_at: datetime | None = Field(
        description="When a message reached the customer: the customer loop is closed."
    )
    erased_at: datetime | None


class InsightCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(
        default=None,
        description="Client-generated id. Posting again with the same id returns the insight.",
    )
    kind: InsightKind
    text: NotBlank = Field(min_length=1, max_length=5000)
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

    resolution: str = Field(
        min_length=1,
        max_length=5000,
        description="What was done.",
        json_schema_extra=NOT_BLANK_SCHEMA,
    )


class DeclineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=5000,
        description="Why nothing will be done.",
        json_schema_extra=NOT_BLANK_SCHEMA,
    )


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    body: NotBlank = Field(min_length=1, max_length=5000)


API_PATH = "/api/v1/attachments/"


class AttachmentOut(BaseModel):
    id: uuid.UUID
    insight_id: uuid.UUID
    comment_id: uuid.UUID | None = Field(description="Set when it belongs to one comment.")
    kind: AttachmentKind
    media_type: str = Field(description="Decided from the content, never from the upload.")
    size: int = Field(description="Bytes of the stored content.")
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    uploaded_by: PersonRef | None = Field(
        description="Left out when the confidential reporter uploaded it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime
    content_url: str
    thumbnail_url: str | None = Field(description="Images only.")


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
    model_config = ConfigDict(
        extra="forbid",
        # The operations' own fields, as the validator below checks them.
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"operation": {"const": "assign"}}},
                    "then": {
                        "required": ["unit_id"],
                        "properties": {"unit_id": {"type": "string", "format": "uuid"}},
                    },
                },
                {
                    "if": {"properties": {"operation": {"const": "decline"}}},
                    "then": {
                        "required": ["reason"],
                        "properties": {"reason": {"type": "string", "pattern": NOT_BLANK}},
                    },
                },
            ]
        },
    )

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
