import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Index, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, enum_column


class KeyState(StrEnum):
    # The first request with the key holds it until `locked_until`.
    RUNNING = "running"
    # Its response is stored and replayed to every retry until `expires_at`.
    DONE = "done"


class IdempotencyKey(Base):
    """One caller's key and the response the first request with it got.

    Keyed by the caller (a hash of the token's issuer and subject) rather than by
    organisation: the key is claimed before the request reaches the service layer, from the
    token alone, without a database lookup of the person.
    """

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # A hash of the method, path, query and body of the first request.
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[KeyState] = mapped_column(enum_column(KeyState, "idempotency_key_state"))
    # Which claim holds the key: a request whose lease was taken over cannot store.
    claim: Mapped[uuid.UUID]
    locked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_headers: Mapped[list[Any] | None] = mapped_column(JSONB)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)
