import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Index, SmallInteger, String
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import WRITING_TRANSACTION, Base, Xid8, enum_column


class NotificationKind(StrEnum):
    INSIGHT_ASSIGNED = "insight_assigned"
    INSIGHT_ACKNOWLEDGED = "insight_acknowledged"
    INSIGHT_STATUS_CHANGED = "insight_status_changed"
    COMMENT_ADDED = "comment_added"
    ACTION_LINKED = "action_linked"
    ACTION_COMPLETED = "action_completed"
    REPORTER_TOLD = "reporter_told"
    INSIGHT_ESCALATED = "insight_escalated"
    INSIGHT_MERGED = "insight_merged"
    ENDORSEMENT_ANSWERED = "endorsement_answered"


class EmailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Base):
    """An in-app notice for one person. Stored as kind and data; the text is rendered in the
    reader's language when read."""

    __tablename__ = "notifications"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID]
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    insight_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The transaction that wrote it, for the "changes since" feed.
    txid: Mapped[str] = mapped_column(Xid8(), server_default=WRITING_TRANSACTION)
    # The e-mail copy, for the kinds worth an e-mail; null for the others.
    email_state: Mapped[EmailState | None] = mapped_column(enum_column(EmailState, "email_state"))
    email_attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    email_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_error: Mapped[str | None] = mapped_column(String(500))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "person_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        Index("ix_notifications_feed", "org_id", "person_id", "created_at", "id"),
        Index("ix_notifications_changes", "org_id", "person_id", "txid", "id"),
        Index(
            "ix_notifications_email_due",
            "email_next_at",
            postgresql_where=sql_text("email_state = 'pending'"),
        ),
    )
