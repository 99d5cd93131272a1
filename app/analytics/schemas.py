"""Listening metrics: how fast and how reliably managers answer what the frontline tells them."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.org.schemas import PersonRef, UnitRef


class MetricsGrouping(StrEnum):
    # The direct children of the chosen unit, plus the unit itself for what was posted there.
    UNIT = "unit"
    # The person who did each act: acknowledged, linked the first action, told the reporter,
    # owns the customer loop, closed the staff loop.
    MANAGER = "manager"


class MetricsBucket(StrEnum):
    DAY = "day"
    # ISO weeks, starting on Monday.
    WEEK = "week"
    MONTH = "month"


class MetricsQuery(BaseModel):
    unit_id: uuid.UUID | None = None
    start: datetime | None = None
    end: datetime | None = None
    group_by: list[MetricsGrouping] = Field(default_factory=list)
    bucket: MetricsBucket | None = None


class DurationStats(BaseModel):
    """Seconds from posting to an act, over the insights where it happened."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None
    mean_seconds: float | None


class Share(BaseModel):
    """`met` of `of` insights; `share` is null when none can be judged yet."""

    met: int
    of: int
    share: float | None


class UnitMetrics(BaseModel):
    insights: int
    time_to_acknowledge: DurationStats
    time_to_first_action: DurationStats
    time_to_tell_reporter: DurationStats
    time_to_tell_customer: DurationStats
    acknowledged_within_deadline: Share
    loop_closed_within_deadline: Share
    escalations: int
    escalated: Share
    open_now: int
    overdue_now: int


class ManagerMetrics(BaseModel):
    """What one person did: each duration counts the insights where they did that act."""

    manager: PersonRef
    insights: int
    time_to_acknowledge: DurationStats
    time_to_first_action: DurationStats
    time_to_tell_reporter: DurationStats
    time_to_tell_customer: DurationStats
    acknowledged_within_deadline: Share
    loop_closed_within_deadline: Share


class UnitGroup(BaseModel):
    unit: UnitRef
    metrics: UnitMetrics


class TrendPoint(BaseModel):
    start: datetime
    metrics: UnitMetrics


class ListeningMetrics(BaseModel):
    unit: UnitRef
    start: datetime = Field(description="Start of the period (inclusive), by posting time.")
    end: datetime = Field(description="End of the period (exclusive).")
    totals: UnitMetrics
    units: list[UnitGroup] | None = None
    managers: list[ManagerMetrics] | None = None
    bucket: MetricsBucket | None = None
    trend: list[TrendPoint] | None = None
