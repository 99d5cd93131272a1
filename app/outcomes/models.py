"""EX results and CX outcomes per unit and month, imported from other tools (CSV files or the
API). Each import is kept whole (`DataImport`); its rows point at it, so an import can be
undone as one. What leaves the API is held to the floors in `app.surveys.floors`.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class ImportKind(StrEnum):
    # Anonymous individual EX responses: unit, period and one score per factor.
    EX_RESPONSES = "ex_responses"
    # EX results already aggregated per unit and period, with the number of answers.
    EX_AGGREGATES = "ex_aggregates"
    # CX outcomes per unit and period: NPS, CSAT, CES, complaint rate.
    CX_OUTCOMES = "cx_outcomes"


class CxMeasure(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    COMPLAINT_RATE = "complaint_rate"


class DataImport(Base):
    """One imported file or API batch. The digest of its normalised rows makes a repeated
    import of the same content change nothing."""

    __tablename__ = "data_imports"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind, "data_import_kind"))
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "created_by"], ["people.org_id", "people.id"]),
        UniqueConstraint("org_id", "kind", "digest"),
        Index("ix_data_imports_org_created", "org_id", "created_at"),
    )


class ExResponse(Base):
    """An anonymous individual EX response imported from another survey tool: a score per
    factor (1–5) and optionally an eNPS answer (0–10)."""

    __tablename__ = "ex_responses"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    import_id: Mapped[uuid.UUID]
    unit_id: Mapped[uuid.UUID]
    period: Mapped[date] = mapped_column(Date)
    scores: Mapped[dict[str, float]] = mapped_column(JSONB)
    enps: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "import_id"], ["data_imports.org_id", "data_imports.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        CheckConstraint("enps BETWEEN 0 AND 10", name="enps_in_range"),
        Index("ix_ex_responses_unit_period", "org_id", "unit_id", "period"),
    )


class ExAggregate(Base):
    """An EX result aggregated elsewhere: the mean of a measure (a factor, or `enps` as a
    score from −100 to 100) over `n` answers of a unit in a month."""

    __tablename__ = "ex_aggregates"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(80), primary_key=True)
    import_id: Mapped[uuid.UUID]
    n: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "import_id"], ["data_imports.org_id", "data_imports.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        CheckConstraint("n > 0", name="n_positive"),
    )


class CxOutcome(Base):
    """A customer outcome of a unit in a month, with the number of customers behind it
    when the source gives one."""

    __tablename__ = "cx_outcomes"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[CxMeasure] = mapped_column(
        enum_column(CxMeasure, "cx_measure"), primary_key=True
    )
    import_id: Mapped[uuid.UUID]
    value: Mapped[float] = mapped_column(Double)
    n: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "import_id"], ["data_imports.org_id", "data_imports.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        CheckConstraint("n IS NULL OR n > 0", name="n_positive"),
    )
