import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column
from app.platform.i18n import Locale


class Role(StrEnum):
    FRONTLINE = "frontline"
    MANAGER = "manager"
    HR = "hr"
    ADMIN = "admin"


class UnitKind(StrEnum):
    COMPANY = "company"
    REGION = "region"
    STORE = "store"
    TEAM = "team"
    FUNCTION = "function"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    default_locale: Mapped[Locale] = mapped_column(enum_column(Locale, "locale"), default=Locale.FI)
    # Deadlines in minutes: to acknowledge and to respond when no routing rule sets them
    # (48 hours and a week by default), and how long the customer may wait to hear back,
    # when they left a contact (72 hours).
    ack_deadline_minutes: Mapped[int] = mapped_column(Integer, default=48 * 60)
    respond_deadline_minutes: Mapped[int] = mapped_column(Integer, default=168 * 60)
    customer_deadline_minutes: Mapped[int] = mapped_column(
        Integer, default=72 * 60, server_default="4320"
    )
    # Closed insights older than this many days lose their free text, attachments and
    # customer contact (`app.privacy.retention`); None keeps them.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # A confidential insight shows its unit to others only at a level where at least this
    # many people have their home (`app.insights.policies.shown_unit`).
    confidential_unit_min_people: Mapped[int] = mapped_column(
        Integer, default=5, server_default="5"
    )
    # The smallest group of survey answers any aggregate may describe (`app.surveys.floors`):
    # 5 by default, which an organisation may raise and never lower.
    survey_min_group: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # Moves on, by triggers, with every change to the organisation's people, units, role
    # grants, routing rules or this row: what a process caches about them is good while
    # this stays (`app.org.directory`).
    directory_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("survey_min_group >= 5", name="survey_min_group_at_least_5"),
        CheckConstraint("ack_deadline_minutes > 0", name="ack_deadline_positive"),
        CheckConstraint("respond_deadline_minutes > 0", name="respond_deadline_positive"),
        CheckConstraint("customer_deadline_minutes > 0", name="customer_deadline_positive"),
        CheckConstraint("retention_days > 0", name="retention_days_positive"),
        CheckConstraint(
            "confidential_unit_min_people > 0", name="confidential_unit_min_people_positive"
        ),
    )


class Unit(Base):
    """A node of the organisation tree. `path` lists the ids from the root, so a subtree
    is a prefix match on an index."""

    __tablename__ = "units"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    parent_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    path: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "parent_id"], ["units.org_id", "units.id"]),
        Index(
            "ix_units_org_id_path",
            "org_id",
            "path",
            postgresql_ops={"path": "text_pattern_ops"},
        ),
    )


def ancestor_ids(path: ColumnElement[str]) -> ColumnElement[Any]:
    """SQL for the ids of a unit and all its ancestors, root first: the segments of its path."""
    return sql_cast(func.string_to_array(func.rtrim(path, "/"), "/"), ARRAY(Uuid))


class Person(Base):
    __tablename__ = "people"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The identity provider's `sub`; unique across the platform so a token names one person.
    subject: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    home_unit_id: Mapped[uuid.UUID]
    locale: Mapped[Locale] = mapped_column(enum_column(Locale, "locale"), default=Locale.FI)
    # Only for the built-in issuer; an external identity provider owns credentials.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when the person was erased: the row stays, under a pseudonym, for what they wrote.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "home_unit_id"], ["units.org_id", "units.id"]),
        UniqueConstraint("org_id", "email"),
        # Who is at home in a subtree: counted for a confidential insight's shown unit.
        Index("ix_people_org_id_home_unit_id", "org_id", "home_unit_id"),
    )


class RoleGrant(Base):
    """A role over a unit's whole subtree."""

    __tablename__ = "role_grants"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "person_id"], ["people.org_id", "people.id"]),
        ForeignKeyConstraint(["org_id", "unit_id"], ["units.org_id", "units.id"]),
        Index("ix_role_grants_org_id_unit_id_role", "org_id", "unit_id", "role"),
    )


class TaxonomyTerm:
    """Shared columns of the per-organisation vocabularies."""

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label_fi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class JourneyStage(TaxonomyTerm, Base):
    __tablename__ = "journey_stages"


class Touchpoint(TaxonomyTerm, Base):
    __tablename__ = "touchpoints"
