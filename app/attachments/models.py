import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


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
