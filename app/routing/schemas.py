import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.org.schemas import UnitRef
from app.org.taxonomy import MAX_TAGS, ImpactLevel, InsightKind, Tag, unique_tags

MAX_HOURS = 24 * 365
MAX_LEVELS_UP = 32


class RuleMatch(BaseModel):
    """Every condition given must hold; an empty list or null matches anything."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[InsightKind] = Field(default_factory=list, max_length=len(InsightKind))
    journey_stages: list[str] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Any one of them is enough."
    )
    min_customer_impact: ImpactLevel | None = None
    unit_id: uuid.UUID | None = Field(default=None, description="Only insights of this subtree.")

    @field_validator("tags")
    @classmethod
    def tags_once(cls, value: list[str]) -> list[str]:
        return unique_tags(value)


class RuleTarget(BaseModel):
    """Whose managers own what the rule routes: exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    levels_up: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LEVELS_UP,
        description="Start this many levels above the insight's unit (0: the unit itself), "
        "then take the nearest unit with managers.",
    )
    unit_id: uuid.UUID | None = Field(
        default=None,
        description="A named unit, such as Logistics; its managers, or the nearest above it.",
    )

    @model_validator(mode="after")
    def exactly_one(self) -> "RuleTarget":
        if (self.levels_up is None) == (self.unit_id is None):
            raise PydanticCustomError("one_target", "Give exactly one of levels_up and unit_id.")
        return self


class RoutingRuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    position: int | None = Field(
        default=None,
        ge=0,
        description="0 is tried first. Left out: just above a final rule that matches "
        "everything, or else last.",
    )
    match: RuleMatch = Field(default_factory=RuleMatch)
    target: RuleTarget = Field(default_factory=lambda: RuleTarget(levels_up=0))
    ack_hours: int = Field(ge=1, le=MAX_HOURS, description="Hours to acknowledge.")
    respond_hours: int = Field(ge=1, le=MAX_HOURS, description="Hours to respond.")


class RoutingRuleUpdate(BaseModel):
    """Only the fields sent change; `match` and `target` are replaced as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    match: RuleMatch | None = None
    target: RuleTarget | None = None
    ack_hours: int | None = Field(default=None, ge=1, le=MAX_HOURS)
    respond_hours: int | None = Field(default=None, ge=1, le=MAX_HOURS)


class RuleOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=1000, description="Every rule of the organisation, first first."
    )


class RuleMatchOut(BaseModel):
    kinds: list[InsightKind]
    journey_stages: list[str]
    tags: list[str]
    min_customer_impact: ImpactLevel | None
    unit: UnitRef | None


class RuleTargetOut(BaseModel):
    levels_up: int | None
    unit: UnitRef | None


class RoutingRuleOut(BaseModel):
    id: uuid.UUID
    name: str
    position: int
    active: bool
    match: RuleMatchOut
    target: RuleTargetOut
    ack_hours: int
    respond_hours: int
    version: int = Field(
        description="Grows with every change; send it as If-Match to change safely."
    )
    created_at: datetime
    updated_at: datetime
