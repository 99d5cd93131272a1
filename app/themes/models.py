"""Themes: what many insights say together, across units and languages.

Every insight's text is embedded (`insight_embeddings`); themes group the embedded insights.
Re-clustering proposes the groups, and what a manager decided (a name, a merge, a split, an
insight moved by hand) is kept in the rows re-clustering may not change: `Theme.named_by`,
`Theme.merged_into_id`, `ThemeMember.pinned`.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    REAL,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column

# The vectors' length: multilingual-e5-small's. The vector index (where the server has
# pgvector) is built for it; an embedder of another size needs a migration of that index.
DIMENSIONS = 384


class InsightEmbedding(Base):
    """An insight's text as a unit vector. Stored as `real[]` on every server; where the
    server has pgvector, an HNSW index over `embedding::vector(384)` serves the nearest
    neighbours (migration 0014), elsewhere the search is exact (`app.themes.vectors`)."""

    __tablename__ = "insight_embeddings"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Which embedder made it: vectors of different models are not comparable, so a new
    # model re-embeds everything.
    model: Mapped[str] = mapped_column(String(120))
    embedding: Mapped[list[float]] = mapped_column(ARRAY(REAL))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "insight_id"], ["insights.org_id", "insights.id"], ondelete="CASCADE"
        ),
    )


class EmbeddingBacklog(Base):
    """Insights whose text is new or changed and waits for its vector. A trigger on
    `insights` fills it (migration 0014), so no way of writing an insight can skip it; the
    embedding job empties it."""

    __tablename__ = "embedding_backlog"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=sql_text("now()")
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "insight_id"], ["insights.org_id", "insights.id"], ondelete="CASCADE"
        ),
        Index("ix_embedding_backlog_queued_at", "queued_at"),
    )


class ThemeStatus(StrEnum):
    ACTIVE = "active"
    # Folded into another theme by a manager: its insights and name follow that one.
    MERGED = "merged"
    # Re-clustering found nothing left of it, and no manager had touched it.
    RETIRED = "retired"


class Theme(Base):
    __tablename__ = "themes"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[ThemeStatus] = mapped_column(enum_column(ThemeStatus, "theme_status"))
    # Labels made from the members' words (c-TF-IDF), renewed by every re-clustering.
    label_fi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    # A manager's names win over the labels and survive re-clustering.
    name_fi: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    named_by: Mapped[uuid.UUID | None]
    merged_into_id: Mapped[uuid.UUID | None]
    # Set once a manager renamed, merged into, split or moved insights into it: such a
    # theme is never retired by re-clustering.
    curated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The mean of its members' vectors (unit length): where an arriving insight is placed.
    centroid: Mapped[list[float] | None] = mapped_column(ARRAY(REAL))
    member_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "merged_into_id"], ["themes.org_id", "themes.id"]),
        ForeignKeyConstraint(["org_id", "named_by"], ["people.org_id", "people.id"]),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint("merged_into_id <> id", name="not_merged_into_itself"),
        Index("ix_themes_org_status", "org_id", "status"),
    )


class ThemeMember(Base):
    """An insight's place in a theme; at most one theme per insight."""

    __tablename__ = "theme_members"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    theme_id: Mapped[uuid.UUID]
    # Placed by a manager: re-clustering never moves it.
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sql_text("false"))
    # Cosine similarity to the theme's centroid when it was placed.
    similarity: Mapped[float | None] = mapped_column(REAL)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "insight_id"], ["insights.org_id", "insights.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "theme_id"], ["themes.org_id", "themes.id"]),
        Index("ix_theme_members_theme", "org_id", "theme_id"),
    )


class ThemeDecisionKind(StrEnum):
    RENAMED = "renamed"
    MERGED = "merged"
    SPLIT = "split"
    MOVED = "moved"


class ThemeDecision(Base):
    """What a manager decided about themes: the record re-clustering answers to."""

    __tablename__ = "theme_decisions"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    theme_id: Mapped[uuid.UUID]
    kind: Mapped[ThemeDecisionKind] = mapped_column(
        enum_column(ThemeDecisionKind, "theme_decision_kind")
    )
    actor_id: Mapped[uuid.UUID]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "theme_id"], ["themes.org_id", "themes.id"]),
        ForeignKeyConstraint(["org_id", "actor_id"], ["people.org_id", "people.id"]),
        Index("ix_theme_decisions_theme", "org_id", "theme_id", "id"),
    )


class ClusteringRun(Base):
    """One re-clustering of an organisation's themes, with its progress while it runs."""

    __tablename__ = "clustering_runs"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    requested_by: Mapped[uuid.UUID | None]
    # queued → running → finished | failed
    state: Mapped[str] = mapped_column(String(16))
    # What the run has done so far out of what it will do, for a progress bar.
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    step: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "requested_by"], ["people.org_id", "people.id"]),
        CheckConstraint("state IN ('queued', 'running', 'finished', 'failed')", name="state_known"),
        Index("ix_clustering_runs_org_created", "org_id", "created_at"),
    )
