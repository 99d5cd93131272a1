import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.notify.models import NotificationKind as NotificationKind


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: NotificationKind
    title: str
    body: str
    insight_id: uuid.UUID | None
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class ReadAllOut(BaseModel):
    marked_read: int
