import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Action(Base):
    """Something a manager does; one action can answer many insights from many units."""

    __tablename__ = "actions"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID]
    created_by: Mapped[uuid.UUID]
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, "action_status"))
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Raised by every change: the ETag, as for insights and routing rules.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "owner_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "created_by"], ["people.org_id", "people.id"]),
    )


class ActionInsight(Base):
    __tablename__ = "action_insights"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    action_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    linked_by: Mapped[uuid.UUID]
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "action_id"], ["actions.org_id", "actions.id"]),
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "linked_by"], ["people.org_id", "people.id"]),
        Index("ix_action_insights_insight", "org_id", "insight_id"),
    )
