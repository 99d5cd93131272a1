"""The audit trail: every change, and every read of personal data by HR or administrators."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ARRAY, DateTime, ForeignKey, Index, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class AuditKind(StrEnum):
    # A request that changed something, by anyone.
    CHANGE = "change"
    # A read by someone holding the HR or administrator role.
    READ = "read"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID]
    # The roles the actor held then: what allowed the read.
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    kind: Mapped[AuditKind] = mapped_column(enum_column(AuditKind, "audit_kind"))
    # The route template ("GET /api/v1/insights/{insight_id}") or the GraphQL operation.
    operation: Mapped[str] = mapped_column(String(300))
    # The ids and filters the request named.
    target: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        Index("ix_audit_log_org_at", "org_id", "at", "id"),
        Index("ix_audit_log_org_actor", "org_id", "actor_id", "at"),
    )
