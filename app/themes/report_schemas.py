"""What the theme reports answer: reach, journey stages, time in each status, priorities."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field

from app.insights.models import InsightStatus
from app.org.schemas import UnitRef
from app.org.taxonomy import ImpactLevel

# A distinct reporter count below this is never given as a number: two people are few
# enough to be recognised by whoever knows the units.
REPORTERS_SHOWN_FROM = 3

# Breadth: what backs a theme.
ANECDOTAL_MAX_REPORTERS = 1
ANECDOTAL_MAX_UNITS = 1
SYSTEMIC_MIN_UNITS = 3
SYSTEMIC_MIN_STORES = 2
SYSTEMIC_MIN_REPORTERS = 3

BREADTH_RULE = (
    f"`anecdotal` when at most {ANECDOTAL_MAX_REPORTERS} reporter or at most "
    f"{ANECDOTAL_MAX_UNITS} unit backs the theme; `systemic` when at least "
    f"{SYSTEMIC_MIN_UNITS} units in at least {SYSTEMIC_MIN_STORES} stores and at least "
    f"{SYSTEMIC_MIN_REPORTERS} reporters back it; `local` otherwise. Units are the units "
    "shown to readers; a store is the nearest unit of kind store at or above one."
)


class ThemeReportQuery(BaseModel):
    """A unit's subtree (by default the top of the caller's reading scope) over insights
    posted in [start, end) (by default the 90 days up to now; at most two years)."""

    unit_id: uuid.UUID | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None


class ThemeRef(BaseModel):
    id: uuid.UUID
    name: str = Field(description="A manager's name for the theme, else its label.")


class StageRef(BaseModel):
    key: str | None = Field(description="The journey stage; null for insights without one.")
    label: str | None


class Breadth(StrEnum):
    ANECDOTAL = "anecdotal"
    LOCAL = "local"
    SYSTEMIC = "systemic"


class ImpactCount(BaseModel):
    level: ImpactLevel
    insights: int


class WeekCount(BaseModel):
    week: str = Field(description="ISO week, such as 2025-W07.")
    start: date = Field(description="Its Monday (weeks are cut in UTC).")
    insights: int


class ThemeReach(BaseModel):
    theme: ThemeRef
    insights: int
    reporters: int | None = Field(
        description=f"Distinct reporters; null when fewer than {REPORTERS_SHOWN_FROM}."
    )
    reporters_fewer_than: int | None = Field(
        description=f"{REPORTERS_SHOWN_FROM} when `reporters` is withheld, else null."
    )
    units: int = Field(description="Distinct units the insights show.")
    stores: int = Field(description="Distinct stores at or above those units.")
    customers_affected: int = Field(description="Sum over the insights that gave a number.")
    customers_affected_reported: int = Field(description="Insights that gave a number.")
    endorsements: int
    mean_impact: float | None = Field(description="Mean customer impact, 0 (none) to 3 (high).")
    impact: list[ImpactCount]
    first_seen: datetime | None
    last_seen: datetime | None
    open_now: int
    breadth: Breadth = Field(description=BREADTH_RULE)
    trend: list[WeekCount] = Field(description="Every ISO week of the period, empty ones too.")


class JourneyCell(BaseModel):
    stage: str | None
    theme_id: uuid.UUID
    unit: UnitRef
    insights: int


class StageShare(BaseModel):
    stage: StageRef
    insights: int
    share: float = Field(description="Of the theme's insights in the report.")


class DominantStages(BaseModel):
    theme: ThemeRef
    stages: list[StageShare]


class JourneyMatrix(BaseModel):
    unit: UnitRef
    start: datetime
    end: datetime
    stages: list[StageRef] = Field(
        description="Rows: the journey stages in taxonomy order, then insights without one."
    )
    themes: list[ThemeRef] = Field(description="Columns, by insights, most first.")
    counts: list[list[int]] = Field(description="counts[row][column].")
    by_unit: list[JourneyCell] = Field(
        description="The non-zero cells per child unit of the chosen unit (and the unit itself "
        "for insights shown right there)."
    )
    dominant_stages: list[DominantStages] = Field(
        description="Per theme, its two journey stages with most insights."
    )


class StatusDuration(BaseModel):
    """Seconds spent in a status by the insights that were in it; an open insight's current
    status counts up to now."""

    status: InsightStatus
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class ActionStall(BaseModel):
    """Actions linked to the group's insights, each counted once."""

    open: int
    overdue: int = Field(description="Open and past their due date.")
    median_open_age_seconds: float | None


class StageStatusTimes(BaseModel):
    stage: StageRef
    insights: int
    statuses: list[StatusDuration]
    actions: ActionStall


class ThemeStatusTimes(BaseModel):
    theme: ThemeRef
    insights: int
    statuses: list[StatusDuration]
    actions: ActionStall


class StatusTimes(BaseModel):
    unit: UnitRef
    start: datetime
    end: datetime
    by_stage: list[StageStatusTimes]
    by_theme: list[ThemeStatusTimes]


class PriorityTermName(StrEnum):
    REACH = "reach"
    IMPACT = "impact"
    TREND = "trend"
    OPEN_AGE = "open_age"


class PriorityTerm(BaseModel):
    name: PriorityTermName
    value: float = Field(ge=0, le=1)
    weight: float
    contribution: float = Field(description="weight × value")
    explanation: str


class ThemePriority(BaseModel):
    theme: ThemeRef
    rank: int
    score: float = Field(description="The sum of the terms' contributions, 0 to 1.")
    terms: list[PriorityTerm]
