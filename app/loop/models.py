import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.org.models import enum_column


class Audience(StrEnum):
    REPORTER = "reporter"
    CUSTOMER = "customer"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"


class LoopCommunication(Base):
    """A message that tells the reporter (or the customer) what happened, with its delivery."""

    __tablename__ = "loop_communications"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    insight_id: Mapped[uuid.UUID]
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "audience"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    message: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID]
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "author_id"], ["people.org_id", "people.id"]),
        Index("ix_loop_communications_insight", "org_id", "insight_id", "created_at"),
    )
