"""What the listening metrics read besides the insights: facts of each insight's timeline."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base


class InsightTimelineFacts(Base):
    """The first action link, the first message to the reporter and the number of
    escalations of an insight, for the insights that have any of them.

    Derived from the append-only timeline (`insight_events`) by a trigger in the transaction
    that writes the event (migration 0017), so it is exact whatever code writes the event:
    the earliest `action_linked` and `reporter_told` times and the count of `escalated`
    events, as the listening metrics define them. The metrics read one row per insight here
    instead of aggregating every insight's timeline."""

    __tablename__ = "insight_timeline_facts"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    insight_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    first_action_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reporter_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "insight_id"], ["insights.org_id", "insights.id"], ondelete="CASCADE"
        ),
    )
