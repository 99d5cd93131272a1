import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.insights.models import Channel
from app.platform.db import Base, enum_column


class Audience(StrEnum):
    REPORTER = "reporter"
    CUSTOMER = "customer"


class DeliveryStatus(StrEnum):
    # No channel can send it: a person reaches the customer and marks it delivered.
    AWAITING_PERSON = "awaiting_person"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class LoopCommunication(Base):
    """A message that tells the reporter (or the customer) what happened, with its delivery."""

    __tablename__ = "loop_communications"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    insight_id: Mapped[uuid.UUID]
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "audience"))
    # The person told; none for a customer, who is reached through the insight's contact.
    recipient_id: Mapped[uuid.UUID | None]
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    message: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID]
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, "delivery_status"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Sending attempts of a queued message (e-mail, SMS), and when the next one is due.
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "author_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "recipient_id"], ["people.org_id", "people.id"]),
        Index("ix_loop_communications_insight", "org_id", "insight_id", "created_at"),
        Index(
            "ix_loop_communications_queued",
            "next_attempt_at",
            postgresql_where=sql_text("status = 'queued'"),
        ),
    )
