import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.loop.models import Audience, Channel
from app.org.schemas import PersonRef


class AnswerOut(BaseModel):
    """A message to the reporter or customer, with its delivery."""

    id: uuid.UUID
    audience: Audience
    message: str
    channel: Channel
    author: PersonRef | None
    sent_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    created_at: datetime


class CommunicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="Client-generated id for safe retries.")
    message: str = Field(min_length=1, max_length=5000)
    audience: Audience = Audience.REPORTER

    @field_validator("message")
    @classmethod
    def message_not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("message must not be blank")
        return stripped
