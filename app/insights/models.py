import uuid
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import WRITING_TRANSACTION, Base, Xid8, enum_column


class InsightKind(StrEnum):
    OBSERVATION = "observation"
    CUSTOMER_STORY = "customer_story"
    IDEA = "idea"
    COMPLAINT = "complaint"
    PRAISE = "praise"


class Visibility(StrEnum):
    NAMED = "named"
    # The author is hidden from everyone but themselves, yet can still be answered.
    CONFIDENTIAL = "confidential"


class InsightStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DECLINED = "declined"
    # A duplicate folded into another insight, which it follows from then on.
    MERGED = "merged"


class CustomerImpact(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class EventType(StrEnum):
    POSTED = "posted"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    STARTED = "started"
    RESOLVED = "resolved"
    DECLINED = "declined"
    COMMENTED = "commented"
    ACTION_LINKED = "action_linked"
    ACTION_COMPLETED = "action_completed"
    REPORTER_TOLD = "reporter_told"
    LOOP_CLOSED = "loop_closed"
    ESCALATED = "escalated"
    # The owners missed a deadline and no unit above them has managers: it stays put.
    ESCALATION_STOPPED = "escalation_stopped"
    REASSIGNED = "reassigned"
    ENDORSED = "endorsed"
    MERGED = "merged"
    MERGED_INTO = "merged_into"
    CUSTOMER_TOLD = "customer_told"
    CUSTOMER_LOOP_CHANGED = "customer_loop_changed"
    CUSTOMER_CONTACT_ERASED = "customer_contact_erased"


# Search covers Finnish and English stemming plus unstemmed words (names, codes).
SEARCH_VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, text) || to_tsvector('finnish'::regconfig, text) "
    "|| to_tsvector('english'::regconfig, text)"
)


class Insight(Base):
    __tablename__ = "insights"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    # Client-generated ids are welcome: a retried post with the same id is the same insight.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID]
    kind: Mapped[InsightKind] = mapped_column(enum_column(InsightKind, "insight_kind"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    journey_stage: Mapped[str | None] = mapped_column(String(64))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    customer_impact: Mapped[int] = mapped_column(SmallInteger, default=0)
    customers_affected: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "visibility"))
    # Lowercase labels given at posting, for routing rules and filters.
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=sql_text("'{}'"))
    status: Mapped[InsightStatus] = mapped_column(enum_column(InsightStatus, "insight_status"))
    # The unit whose managers own the insight now.
    owner_unit_id: Mapped[uuid.UUID]
    ack_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    respond_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The deadlines the routing rule gave, kept with the insight: every escalation and
    # reassignment gives the new owners the same time, whatever happens to the rule later.
    ack_hours: Mapped[int] = mapped_column(Integer)
    respond_hours: Mapped[int] = mapped_column(Integer)
    # How many times a missed deadline moved it up the tree since it was routed or assigned.
    escalation_level: Mapped[int] = mapped_column(SmallInteger, server_default=sql_text("0"))
    # Set when a deadline was missed at the top: nothing above to escalate to.
    escalation_stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    # Set when the reporter has been told the outcome: the staff loop is closed.
    loop_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the retention period removed its free text (`app.privacy.retention`).
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set on a merged duplicate: the insight that answers for it now.
    merged_into_id: Mapped[uuid.UUID | None]
    # Kept with the row so that lists show "me too" counts without counting per page.
    endorsement_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        ForeignKeyConstraint(["org_id", "owner_unit_id"], ["units.org_id", "units.id"]),
        ForeignKeyConstraint(["org_id", "author_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(
            ["org_id", "journey_stage"], ["journey_stages.org_id", "journey_stages.key"]
        ),
        ForeignKeyConstraint(["org_id", "touchpoint"], ["touchpoints.org_id", "touchpoints.key"]),
        ForeignKeyConstraint(["org_id", "merged_into_id"], ["insights.org_id", "insights.id"]),
        CheckConstraint("merged_into_id <> id", name="not_merged_into_itself"),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_parent"
        ),
        CheckConstraint("customer_impact BETWEEN 0 AND 3", name="customer_impact_range"),
        CheckConstraint("customers_affected >= 0", name="customers_affected_positive"),
        Index("ix_insights_owner_inbox", "org_id", "owner_unit_id", "created_at", "id"),
        Index("ix_insights_unit", "org_id", "unit_id", "created_at", "id"),
        Index("ix_insights_author", "org_id", "author_id", "created_at", "id"),
        Index("ix_insights_search", "search", postgresql_using="gin"),
        # The escalator's two scans: new ones past the deadline to acknowledge, open ones
        # past the deadline to respond.
        Index(
            "ix_insights_ack_due",
            "ack_due_at",
            postgresql_where=sql_text("status = 'new' AND escalation_stopped_at IS NULL"),
        ),
        Index(
            "ix_insights_respond_due",
            "respond_due_at",
            postgresql_where=sql_text(
                "status IN ('new', 'acknowledged', 'in_progress') AND escalation_stopped_at IS NULL"
            ),
        ),
        Index(
            "ix_insights_merged_into",
            "org_id",
            "merged_into_id",
            postgresql_where="merged_into_id IS NOT NULL",
        ),
    )


class InsightEvent(Base):
    """One entry of an insight's append-only timeline: audit log and metrics source."""

    __tablename__ = "insight_events"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    insight_id: Mapped[uuid.UUID]
    type: Mapped[EventType] = mapped_column(enum_column(EventType, "event_type"))
    actor_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The timeline is the webhooks' outbox: set once the event became its deliveries.
    webhooks_dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The transaction that wrote it, for the reporter's "changes since" feed.
    txid: Mapped[str] = mapped_column(Xid8(), server_default=WRITING_TRANSACTION)

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "actor_id"], ["people.org_id", "people.id"]),
        Index("ix_insight_events_insight", "org_id", "insight_id", "id"),
        Index(
            "ix_insight_events_undispatched",
            "id",
            postgresql_where=sql_text("webhooks_dispatched_at IS NULL"),
        ),
    )


class Comment(Base):
    __tablename__ = "comments"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    insight_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID]
    body: Mapped[str] = mapped_column(Text)
    # ISO 639-1, detected from the body; null when too short to tell.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "author_id"], ["people.org_id", "people.id"]),
        Index("ix_comments_insight", "org_id", "insight_id", "created_at", "id"),
    )


class Endorsement(Base):
    """ "I see this too": another staff member backs an insight, from their unit."""

    __tablename__ = "endorsements"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    # Client-generated ids are welcome, as with insights.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    insight_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID]
    unit_id: Mapped[uuid.UUID]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "person_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        # One per person and insight: a second "me too" is the first one again.
        UniqueConstraint("org_id", "insight_id", "person_id"),
    )
