import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from app.actions.schemas import ActionSummary
from app.insights.models import Channel, InsightStatus
from app.insights.schemas import AttachmentOut, InsightOut
from app.loop.models import Audience as Audience
from app.loop.models import DeliveryStatus as DeliveryStatus
from app.org.schemas import PersonRef
from app.platform.text import NotBlank


class AnswerOut(BaseModel):
    """A message to the reporter or customer, with its delivery."""

    id: uuid.UUID
    audience: Audience
    message: str
    channel: Channel
    author: PersonRef | None
    status: DeliveryStatus = Field(
        description="queued → sent → delivered, or failed; in-app answers are delivered at "
        "once. awaiting_person: no channel can send it (phone, or no SMS gateway or e-mail "
        "configured); a manager reaches the customer and marks it delivered."
    )
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    failure_reason: str | None
    acknowledged_at: datetime | None
    created_at: datetime


class CommunicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="Client-generated id for safe retries.")
    message: NotBlank = Field(min_length=1, max_length=5000)
    audience: Audience = Field(
        default=Audience.REPORTER,
        description="reporter: the staff loop (reporters of merged duplicates and, when it "
        "closes, those who backed it are told too); customer: the customer loop, through the "
        "consented contact's channel.",
    )


class CustomerLoopUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID | None = Field(default=None, description="A manager who can act on it.")
    due_at: datetime | None = None

    @field_validator("due_at")
    @classmethod
    def due_at_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "Input should have timezone info.")
        return value


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
