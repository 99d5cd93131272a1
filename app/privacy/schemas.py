import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.privacy.models import AuditKind


class ErasureOut(BaseModel):
    person_id: uuid.UUID
    erased_at: datetime
    attachments_removed: int = 0


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    # Null for frontline staff: a confidential reporter is never named, even here.
    actor_id: uuid.UUID | None
    roles: list[str]
    kind: AuditKind
    operation: str
    target: dict[str, Any]


class RetentionOut(BaseModel):
    # Days after closing that an insight keeps its free text; null keeps it for good.
    retention_days: int | None


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int | None = Field(ge=30, le=3650)


class AnonymityOut(BaseModel):
    confidential_unit_min_people: int = Field(
        description="A confidential insight shows others its unit only at a level (the unit "
        "or one above it) where at least this many active people have their home unit."
    )


class AnonymityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confidential_unit_min_people: int = Field(ge=1, le=1000)
