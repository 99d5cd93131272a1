import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.loop.models import Audience as Audience
from app.loop.models import Channel as Channel
from app.loop.models import DeliveryStatus as DeliveryStatus
from app.org.schemas import PersonRef


class AnswerOut(BaseModel):
    """A message to the reporter or customer, with its delivery."""

    id: uuid.UUID
    audience: Audience
    message: str
    channel: Channel
    author: PersonRef | None
    status: DeliveryStatus = Field(
        description="queued → sent → delivered, or failed; in-app answers are delivered at once."
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
    message: str = Field(min_length=1, max_length=5000)
    audience: Audience = Field(
        default=Audience.REPORTER,
        description="reporter: the staff loop (reporters of merged duplicates and, when it "
        "closes, those who backed it are told too); customer: the customer loop, through the "
        "consented contact's channel.",
    )

    @field_validator("message")
    @classmethod
    def message_not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("message must not be blank")
        return stripped


class ContactChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")


class CustomerContactCreate(BaseModel):
    """A customer's contact, given with their explicit consent to be told what happened."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    channel: ContactChannel
    address: str = Field(
        min_length=3, max_length=320, description="An e-mail address, or a phone number."
    )
    consent: bool = Field(description="The customer agreed to be contacted: must be true.")
    consent_text: str | None = Field(
        default=None, max_length=2000, description="The wording the customer agreed to."
    )

    @field_validator("name", "address")
    @classmethod
    def not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("must not be blank")
        return stripped

    @model_validator(mode="after")
    def consented_and_reachable(self) -> Self:
        if self.consent is not True:
            raise ValueError("a customer contact needs the customer's consent")
        pattern = _EMAIL if self.channel is ContactChannel.EMAIL else _PHONE
        if not pattern.match(self.address):
            raise ValueError(f"address is not a valid {self.channel.value} address")
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


class CustomerLoopUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID | None = Field(default=None, description="A manager who can act on it.")
    due_at: datetime | None = None

    @field_validator("due_at")
    @classmethod
    def due_at_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("due_at needs a timezone offset")
        return value
