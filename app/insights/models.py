import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
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

from app.org.taxonomy import InsightKind
from app.platform.db import WRITING_TRANSACTION, Base, Xid8, enum_column


class Visibility(StrEnum):
    NAMED = "named"
    # The author is hidden from everyone but themselves, yet can still be answered.
    CONFIDENTIAL = "confidential"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"


class InsightStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DECLINED = "declined"
    # A duplicate folded into another insight, which it follows from then on.
    MERGED = "merged"


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
    # The unit everyone but the reporter sees: the unit itself for a named insight; for a
    # confidential one the nearest unit at or above it with enough people not to point at
    # the reporter (`policies.shown_unit`), fixed at posting.
    shown_unit_id: Mapped[uuid.UUID]
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
    ack_minutes: Mapped[int] = mapped_column(Integer)
    respond_minutes: Mapped[int] = mapped_column(Integer)
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
        ForeignKeyConstraint(["org_id", "shown_unit_id"], ["units.org_id", "units.id"]),
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
        # The inbox's walk: the open insights of one owner, newest first, with what tells
        # whether each is overdue read from the index itself.
        Index(
            "ix_insights_owner_open",
            "org_id",
            "owner_unit_id",
            "created_at",
            "id",
            postgresql_include=["status", "ack_due_at", "respond_due_at"],
            postgresql_where=sql_text("status IN ('new', 'acknowledged', 'in_progress')"),
        ),
        # The list of all a reader may read, newest first: walked in order, each row's
        # visibility tested on the index itself.
        Index(
            "ix_insights_org_created",
            "org_id",
            "created_at",
            "id",
            postgresql_include=["unit_id", "owner_unit_id", "author_id", "visibility"],
        ),
        Index("ix_insights_unit", "org_id", "unit_id", "created_at", "id"),
        Index("ix_insights_shown_unit", "org_id", "shown_unit_id", "created_at", "id"),
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


class CustomerContact(Base):
    """How to reach the customer an insight is about, given with their recorded consent.

    Personal data: erasing it blanks name and address for good and keeps only the fact that a
    consented contact existed. The customer loop (owner, deadline, when told) lives here too.
    """

    __tablename__ = "customer_contacts"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(320))
    consent_text: Mapped[str | None] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[uuid.UUID]
    loop_owner_id: Mapped[uuid.UUID | None]
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "recorded_by"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "loop_owner_id"], ["people.org_id", "people.id"]),
        CheckConstraint(
            "(erased_at IS NULL) = (name IS NOT NULL AND address IS NOT NULL)",
            name="erased_or_complete",
        ),
    )


class AttachmentKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"


class Attachment(Base):
    """A photo or a short voice note on an insight, or on one comment of its thread.

    The stored bytes are what the platform produced (images re-encoded without metadata),
    kept under keys the platform generates; the client's file name is never kept."""

    __tablename__ = "attachments"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    # Client-generated ids make a retried upload return the stored attachment.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    insight_id: Mapped[uuid.UUID]
    comment_id: Mapped[uuid.UUID | None]
    uploader_id: Mapped[uuid.UUID]
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, "attachment_kind"))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # Hex SHA-256 of the stored content: the ETag, and how a retry is recognised.
    sha256: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the bytes as uploaded, so that a retry of the same file matches even
    # though the stored image is a re-encoding of it.
    upload_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    thumbnail_size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "insight_id"], ["insights.org_id", "insights.id"]),
        ForeignKeyConstraint(["org_id", "comment_id"], ["comments.org_id", "comments.id"]),
        ForeignKeyConstraint(["org_id", "uploader_id"], ["people.org_id", "people.id"]),
        Index("ix_attachments_insight", "org_id", "insight_id", "created_at", "id"),
        Index(
            "ix_attachments_comment",
            "org_id",
            "comment_id",
            postgresql_where=sql_text("comment_id IS NOT NULL"),
        ),
    )
