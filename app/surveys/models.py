"""Pulse surveys, their waves and anonymous answers; EX results and CX outcomes imported
from elsewhere.

Anonymous by construction: a `SurveyResponse` holds its wave, the unit it counts at and the
answers, and nothing of the person: no person id, no timestamp, a random id. Whether a
person has answered a wave is recorded apart (`SurveyParticipation`: wave and person, no
timestamp, no id of the response), so the two tables share nothing but the wave and cannot
be joined. What leaves the API is held to the floors in `app.surveys.floors`. EX results
and CX outcomes from other tools are `app.outcomes`.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
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
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class ItemKind(StrEnum):
    # Agreement on a scale of 1 (strongly disagree) to 5 (strongly agree).
    LIKERT = "likert"
    # "How likely are you to recommend … as a place to work?" 0–10.
    ENPS = "enps"
    # One optional open comment.
    COMMENT = "comment"


class WaveStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Survey(Base):
    __tablename__ = "surveys"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "created_by"], ["people.org_id", "people.id"]),
    )


class SurveyItem(Base):
    """One question. Likert items belong to a factor (engagement, leadership, …); a survey
    has exactly one eNPS item and at most one comment."""

    __tablename__ = "survey_items"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "survey_item_kind"))
    factor: Mapped[str | None] = mapped_column(String(80))
    text_fi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "survey_id"], ["surveys.org_id", "surveys.id"], ondelete="CASCADE"
        ),
        CheckConstraint("(kind = 'likert') = (factor IS NOT NULL)", name="likert_has_factor"),
        UniqueConstraint("org_id", "survey_id", "position"),
    )


class SurveyTarget(Base):
    """A unit whose subtree the survey asks: everyone whose home unit is there."""

    __tablename__ = "survey_targets"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "survey_id"], ["surveys.org_id", "surveys.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
    )


class SurveyWave(Base):
    """One round of a survey: open for answers until HR closes it (or `closes_at` passes).
    `period` is the month its results stand for when linked to customer outcomes."""

    __tablename__ = "survey_waves"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    survey_id: Mapped[uuid.UUID]
    label: Mapped[str] = mapped_column(String(120))
    period: Mapped[date] = mapped_column(Date)
    status: Mapped[WaveStatus] = mapped_column(enum_column(WaveStatus, "survey_wave_status"))
    opened_by: Mapped[uuid.UUID]
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The organisation's earlier survey floors that this wave's results may have been read
    # under (each raise of the floor after the wave closed adds the one it replaced): a
    # group is released only where every one of them releases it, so that readings under
    # two floors never differ by fewer answers than the lower.
    earlier_floors: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "survey_id"], ["surveys.org_id", "surveys.id"]),
        ForeignKeyConstraint(["org_id", "opened_by"], ["people.org_id", "people.id"]),
        CheckConstraint("extract(day FROM period) = 1", name="period_is_a_month"),
        Index("ix_survey_waves_survey", "org_id", "survey_id"),
    )


class WaveUnit(Base):
    """How many people each targeted unit had when the wave opened: the denominator of its
    response rate, fixed so that later moves do not change a closed wave's rates."""

    __tablename__ = "wave_units"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    wave_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    eligible: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "wave_id"], ["survey_waves.org_id", "survey_waves.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
    )


class SurveyResponse(Base):
    """An anonymous answer: no person, no time, a random id. `likert` holds the Likert
    answers in the order of the items' positions."""

    __tablename__ = "survey_responses"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    wave_id: Mapped[uuid.UUID]
    unit_id: Mapped[uuid.UUID]
    likert: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    enps: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_language: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "wave_id"], ["survey_waves.org_id", "survey_waves.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        CheckConstraint("enps BETWEEN 0 AND 10", name="enps_in_range"),
        CheckConstraint("1 <= ALL(likert) AND 5 >= ALL(likert)", name="likert_in_range"),
        Index("ix_survey_responses_wave_unit", "org_id", "wave_id", "unit_id"),
    )


class SurveyParticipation(Base):
    """That a person has answered a wave: it stops a second answer and nothing else."""

    __tablename__ = "survey_participation"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    wave_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "wave_id"], ["survey_waves.org_id", "survey_waves.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "person_id"], ["people.org_id", "people.id"]),
    )
