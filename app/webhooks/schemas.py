import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.insights.models import EventType
from app.webhooks.models import DeliveryState as DeliveryState

MAX_URL = 2000


def _unique_types(value: list[EventType]) -> list[EventType]:
    return sorted(set(value))


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=MAX_URL, description="An https URL.")
    description: str | None = Field(default=None, max_length=500)
    event_types: list[EventType] = Field(
        default_factory=list,
        max_length=len(EventType),
        description="Timeline event types to send; empty sends every type.",
    )
    active: bool = True

    _types = field_validator("event_types")(_unique_types)


class WebhookUpdate(BaseModel):
    """The fields sent change; the others stay."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=8, max_length=MAX_URL)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[EventType] | None = Field(default=None, max_length=len(EventType))
    active: bool | None = None

    @field_validator("event_types")
    @classmethod
    def types_once(cls, value: list[EventType] | None) -> list[EventType] | None:
        return None if value is None else _unique_types(value)


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[EventType]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookSecretOut(BaseModel):
    """The signing secret, shown only when created or rotated: store it then."""

    webhook: WebhookOut
    secret: str = Field(description="`whsec_<base64>`, for Standard Webhooks verification.")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    next_attempt_at: datetime | None


class DeliveryOut(BaseModel):
    id: uuid.UUID
    message_id: str = Field(description="The `webhook-id` header: the same on every retry.")
    event_type: str
    state: DeliveryState
    next_attempt_at: datetime | None
    created_at: datetime
    succeeded_at: datetime | None
    attempts: list[AttemptOut]
