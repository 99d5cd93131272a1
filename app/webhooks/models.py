import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class WebhookSubscription(Base):
    """An organisation's receiver of timeline events, signed with its own secret."""

    __tablename__ = "webhook_subscriptions"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(500))
    # Event types sent; empty sends every type, including types added later.
    event_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=sql_text("'{}'")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept readable: signing needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliveryState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    # Every attempt failed; nothing retries it any more.
    FAILED = "failed"


class WebhookDelivery(Base):
    """One event for one subscription: sent until a 2xx answer or the last attempt."""

    __tablename__ = "webhook_deliveries"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID]
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(32))
    # Rendered once at fan-out, so every attempt sends the same body.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[DeliveryState] = mapped_column(enum_column(DeliveryState, "delivery_state"))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # When a worker may take it next; while one sends it, the end of that worker's lease.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "subscription_id"],
            ["webhook_subscriptions.org_id", "webhook_subscriptions.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["org_id", "event_id"], ["insight_events.org_id", "insight_events.id"]
        ),
        # The fan-out's guarantee: however many dispatchers run, one delivery per pair.
        UniqueConstraint("org_id", "subscription_id", "event_id"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sql_text("state = 'pending'"),
        ),
        Index("ix_webhook_deliveries_log", "org_id", "subscription_id", "created_at", "id"),
    )


class WebhookAttempt(Base):
    """The delivery log: one row per request made (or refused before it was made)."""

    __tablename__ = "webhook_attempts"

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    attempt: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # None once the delivery succeeded or gave up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "delivery_id"],
            ["webhook_deliveries.org_id", "webhook_deliveries.id"],
            ondelete="CASCADE",
        ),
    )
