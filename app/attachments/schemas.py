import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.attachments.models import AttachmentKind as AttachmentKind
from app.org.schemas import PersonRef

API_PATH = "/api/v1/attachments/"


class AttachmentOut(BaseModel):
    id: uuid.UUID
    insight_id: uuid.UUID
    comment_id: uuid.UUID | None = Field(description="Set when it belongs to one comment.")
    kind: AttachmentKind
    media_type: str = Field(description="Decided from the content, never from the upload.")
    size: int = Field(description="Bytes of the stored content.")
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    uploaded_by: PersonRef | None = Field(
        description="Left out when the confidential reporter uploaded it."
    )
    by_reporter: bool
    is_mine: bool
    created_at: datetime
    content_url: str
    thumbnail_url: str | None = Field(description="Images only.")
