import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.loop.schemas import MyInsightOut
from app.notify.schemas import NotificationOut

MAX_BATCH = 500


class ItemType(StrEnum):
    INSIGHT = "insight"
    COMMENT = "comment"
    ENDORSEMENT = "endorsement"


class Outcome(StrEnum):
    CREATED = "created"
    # Stored by an earlier attempt: nothing new was made.
    REPLAYED = "replayed"
    ERROR = "error"


class SyncBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        # Documented here; the service answers `empty_batch` and `batch_too_large` itself.
        json_schema_extra={"minItems": 1, "maxItems": MAX_BATCH},
        description=(
            f"Up to {MAX_BATCH} items, applied in order. Each has a `type`: "
            "`insight` (the fields of postInsight; `id` required), "
            "`comment` (`insight_id`, `id`, `body`) or "
            "`endorsement` (`insight_id`, optional `id`, `unit_id`, `note`). "
            "An item may refer to an insight posted earlier in the same batch."
        ),
    )


class FieldError(BaseModel):
    location: list[str]
    message: str
    type: str


class ItemError(BaseModel):
    status: int
    code: str
    detail: str
    errors: list[FieldError] | None = Field(
        default=None, description="For `validation_error`: what in the item is wrong."
    )


class SyncItemResult(BaseModel):
    index: int = Field(description="The item's position in the batch, from 0.")
    type: ItemType | None
    id: uuid.UUID | None = Field(description="The created or stored object's id.")
    outcome: Outcome
    error: ItemError | None


class SyncBatchOut(BaseModel):
    created: int
    replayed: int
    failed: int
    results: list[SyncItemResult] = Field(description="One per item, in the order given.")


class ChangesOut(BaseModel):
    insights: list[MyInsightOut] = Field(
        description="The caller's own insights that changed, as they are now (status, "
        "actions, latest answer); each at most once per page."
    )
    notifications: list[NotificationOut] = Field(description="New notifications, oldest first.")
    next_cursor: str = Field(description="Ask with this next time for what changed since.")
    has_more: bool = Field(description="More changes wait: ask again at once with next_cursor.")
