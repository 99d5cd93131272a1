import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.org.models import Organisation
from app.platform.db import Base

DEFAULT_RULE_NAME = "Default: managers of the nearest unit with managers"


class RoutingRule(Base):
    """Where new insights of a kind go, and how long their owners have to act.

    An organisation's active rules are tried in `position` order; the first whose every
    condition holds routes the insight. An empty condition matches anything.
    """

    __tablename__ = "routing_rules"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    match_kinds: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'"), default=list
    )
    match_journey_stages: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), server_default=text("'{}'"), default=list
    )
    match_tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'"), default=list
    )
    match_min_impact: Mapped[int | None] = mapped_column(SmallInteger)
    match_unit_id: Mapped[uuid.UUID | None]
    # Insights of this theme: checked when an insight joins the theme, seconds after it is
    # posted (`app.themes.routing`), as its text must be embedded first.
    match_theme_id: Mapped[uuid.UUID | None]

    # Exactly one target: the managers `target_levels_up` levels above the insight's unit
    # (0: its own unit), or those of a named unit; either way the nearest unit at or above
    # the start that has active managers.
    target_levels_up: Mapped[int | None] = mapped_column(SmallInteger)
    target_unit_id: Mapped[uuid.UUID | None]

    # Minutes to acknowledge and to respond.
    ack_minutes: Mapped[int] = mapped_column(Integer)
    respond_minutes: Mapped[int] = mapped_column(Integer)
    # Grows with every change, the ETag of the rule: two administrators cannot overwrite
    # each other's edits unknowingly.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["org_id", "match_unit_id"], ["units.org_id", "units.id"]),
        ForeignKeyConstraint(["org_id", "target_unit_id"], ["units.org_id", "units.id"]),
        ForeignKeyConstraint(["org_id", "match_theme_id"], ["themes.org_id", "themes.id"]),
        CheckConstraint(
            "(target_levels_up IS NULL) <> (target_unit_id IS NULL)", name="one_target"
        ),
        CheckConstraint("target_levels_up BETWEEN 0 AND 32", name="levels_up_range"),
        CheckConstraint("match_min_impact BETWEEN 0 AND 3", name="min_impact_range"),
        CheckConstraint(
            "ack_minutes > 0 AND respond_minutes >= ack_minutes", name="deadlines_ordered"
        ),
        Index("ix_routing_rules_org_position", "org_id", "position"),
    )

    @classmethod
    def default_for(cls, org: Organisation, now: datetime) -> "RoutingRule":
        """The rule every organisation starts with: anything goes to the managers of the
        nearest unit that has any, with the organisation's deadlines."""
        return cls(
            org_id=org.id,
            id=uuid.uuid4(),
            name=DEFAULT_RULE_NAME,
            position=0,
            active=True,
            match_kinds=[],
            match_journey_stages=[],
            match_tags=[],
            target_levels_up=0,
            ack_minutes=org.ack_deadline_minutes,
            respond_minutes=max(org.respond_deadline_minutes, org.ack_deadline_minutes),
            version=1,
            created_at=now,
            updated_at=now,
        )
