import uuid
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.org.schemas import UnitRef
from app.org.taxonomy import MAX_TAGS, ImpactLevel, InsightKind, Tag, unique_tags

MAX_MINUTES = 60 * 24 * 365
MAX_HOURS = 24 * 365
MAX_LEVELS_UP = 32

# The hour fields came first and stay accepted and returned, deprecated: a deadline may now be
# any number of minutes ("acknowledged within 15 minutes"), which whole hours cannot say.
_DEPRECATED: dict[str, Any] = {"deprecated": True}


def _minutes(minutes: int | None, hours: int | None, name: str) -> int | None:
    """One deadline in minutes, from `<name>_minutes` or the deprecated `<name>_hours`."""
    if hours is None:
        return minutes
    if minutes is not None and minutes != hours * 60:
        raise ValueError(f"{name}_minutes and {name}_hours disagree; send {name}_minutes alone")
    return hours * 60


def _minutes_field(description: str) -> Any:
    return Field(default=None, ge=1, le=MAX_MINUTES, description=description)


def _hours(minutes_field: str) -> Any:
    return Field(
        default=None,
        ge=1,
        le=MAX_HOURS,
        description=f"Deprecated: whole hours; send {minutes_field} instead.",
        json_schema_extra=_DEPRECATED,
    )


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
    theme_id: uuid.UUID | None = Field(
        default=None,
        description="Only insights of this theme. Checked when an insight joins the theme, "
        "seconds after it is posted (its text is embedded first): an insight still new and "
        "unacknowledged is then routed again by the first rule that matches it with its theme.",
    )

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
    ack_minutes: int | None = _minutes_field("Minutes to acknowledge (or ack_hours).")
    respond_minutes: int | None = _minutes_field("Minutes to respond (or respond_hours).")
    ack_hours: int | None = _hours("ack_minutes")
    respond_hours: int | None = _hours("respond_minutes")

    @model_validator(mode="after")
    def both_deadlines(self) -> Self:
        ack = _minutes(self.ack_minutes, self.ack_hours, "ack")
        respond = _minutes(self.respond_minutes, self.respond_hours, "respond")
        if ack is None or respond is None:
            raise ValueError("give ack_minutes and respond_minutes")
        return self

    def deadline_minutes(self) -> tuple[int, int]:
        """Minutes to acknowledge and to respond, however they were sent."""
        ack = _minutes(self.ack_minutes, self.ack_hours, "ack")
        respond = _minutes(self.respond_minutes, self.respond_hours, "respond")
        assert ack is not None and respond is not None  # checked by `both_deadlines`
        return ack, respond


class RoutingRuleUpdate(BaseModel):
    """Only the fields sent change; `match` and `target` are replaced as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    match: RuleMatch | None = None
    target: RuleTarget | None = None
    ack_minutes: int | None = _minutes_field("Minutes to acknowledge.")
    respond_minutes: int | None = _minutes_field("Minutes to respond.")
    ack_hours: int | None = _hours("ack_minutes")
    respond_hours: int | None = _hours("respond_minutes")

    @model_validator(mode="after")
    def deadlines_agree(self) -> Self:
        self.deadline_minutes()
        return self

    def deadline_minutes(self) -> tuple[int | None, int | None]:
        """The deadlines sent, in minutes, however they were sent; None where left out."""
        return (
            _minutes(self.ack_minutes, self.ack_hours, "ack"),
            _minutes(self.respond_minutes, self.respond_hours, "respond"),
        )


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
    theme_id: uuid.UUID | None


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
    ack_minutes: int = Field(description="Minutes to acknowledge.")
    respond_minutes: int = Field(description="Minutes to respond.")
    ack_hours: int = Field(
        description="Deprecated: ack_minutes rounded up to whole hours.",
        json_schema_extra=_DEPRECATED,
    )
    respond_hours: int = Field(
        description="Deprecated: respond_minutes rounded up to whole hours.",
        json_schema_extra=_DEPRECATED,
    )
    version: int = Field(
        description="Grows with every change; send it as If-Match to change safely."
    )
    created_at: datetime
    updated_at: datetime
