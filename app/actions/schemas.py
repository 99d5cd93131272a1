import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.actions.models import ActionStatus as ActionStatus
from app.org.schemas import PersonRef


class ActionSummary(BaseModel):
    id: uuid.UUID
    title: str
    status: ActionStatus
    outcome: str | None


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="Client-generated id for safe retries.")
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    owner_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller.")
    due_on: date | None = None
    insight_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class ActionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ActionStatus | None = None
    outcome: str | None = Field(default=None, max_length=10_000)
    due_on: date | None = None
    owner_id: uuid.UUID | None = None


class ActionLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insight_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class ActionOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    owner: PersonRef
    due_on: date | None
    status: ActionStatus
    outcome: str | None
    insight_ids: list[uuid.UUID] = Field(description="The linked insights the caller may see.")
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    # For the ETag only: the body's contract has no version.
    version: int = Field(exclude=True)
