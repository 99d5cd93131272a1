"""GraphQL types of the theme reports: reach, the journey matrix, status times, priorities.

Derived from the reports' pydantic models where their fields read the same; a theme or a
unit they name is a global id, as everywhere in this schema.
"""

import uuid
from datetime import datetime
from typing import Self

import strawberry
from strawberry.experimental import pydantic as derived

from app.gql.ids import global_id
from app.org.gql import Unit
from app.themes import report_schemas as reports


@strawberry.type(description="A theme named by a report: its global id and name.")
class ThemeRef:
    id: strawberry.ID
    name: str

    @classmethod
    def from_pydantic(cls, out: reports.ThemeRef, extra: object = None) -> Self:
        return cls(id=global_id("Theme", out.id), name=out.name)


@derived.type(reports.StageRef, all_fields=True, description="A journey stage, or none.")
class StageRef:
    pass


@derived.type(reports.ImpactCount, all_fields=True, description="Insights at an impact level.")
class ImpactCount:
    pass


@derived.type(reports.WeekCount, all_fields=True, description="Insights in one ISO week.")
class WeekCount:
    pass


@derived.type(reports.ThemeReach, all_fields=True, description="How widely a theme holds.")
class ThemeReach:
    theme: ThemeRef


@strawberry.type(description="Insights of one journey stage and theme in one unit's subtree.")
class JourneyCell:
    stage: str | None
    theme_id: strawberry.ID
    unit: Unit
    insights: int


@derived.type(reports.StageShare, all_fields=True, description="A stage's share of a theme.")
class JourneyStageShare:
    pass


@derived.type(
    reports.DominantStages, all_fields=True, description="The stages a theme is mostly about."
)
class DominantStages:
    theme: ThemeRef
    stages: list[JourneyStageShare]


@strawberry.type(description="Journey stage × theme counts in a unit's subtree over a period.")
class JourneyMatrix:
    unit: Unit
    start: datetime
    end: datetime
    stages: list[StageRef] = strawberry.field(description="Rows, in taxonomy order.")
    themes: list[ThemeRef] = strawberry.field(description="Columns, by insights, most first.")
    counts: list[list[int]] = strawberry.field(description="counts[row][column].")
    by_unit: list[JourneyCell]
    dominant_stages: list[DominantStages]

    @classmethod
    def from_pydantic(cls, out: reports.JourneyMatrix) -> Self:
        return cls(
            unit=Unit.from_pydantic(out.unit),
            start=out.start,
            end=out.end,
            stages=[StageRef.from_pydantic(s) for s in out.stages],
            themes=[ThemeRef.from_pydantic(t) for t in out.themes],
            counts=out.counts,
            by_unit=[
                JourneyCell(
                    stage=c.stage,
                    theme_id=_theme_id(c.theme_id),
                    unit=Unit.from_pydantic(c.unit),
                    insights=c.insights,
                )
                for c in out.by_unit
            ],
            dominant_stages=[DominantStages.from_pydantic(d) for d in out.dominant_stages],
        )


def _theme_id(key: uuid.UUID) -> strawberry.ID:
    return global_id("Theme", key)


@derived.type(
    reports.StatusDuration, all_fields=True, description="Time insights spent in one status."
)
class StatusDuration:
    pass


@derived.type(reports.ActionStall, all_fields=True, description="Where actions stall.")
class ActionStall:
    pass


@derived.type(reports.StageStatusTimes, all_fields=True, description="Times by journey stage.")
class StageStatusTimes:
    stage: StageRef
    statuses: list[StatusDuration]
    actions: ActionStall


@derived.type(reports.ThemeStatusTimes, all_fields=True, description="Times by theme.")
class ThemeStatusTimes:
    theme: ThemeRef
    statuses: list[StatusDuration]
    actions: ActionStall


@derived.type(
    reports.StatusTimes, all_fields=True, description="Where insights wait and actions stall."
)
class StatusTimes:
    unit: Unit
    by_stage: list[StageStatusTimes]
    by_theme: list[ThemeStatusTimes]


@derived.type(reports.PriorityTerm, all_fields=True, description="One term of a score.")
class PriorityTerm:
    pass


@derived.type(
    reports.ThemePriority, all_fields=True, description="A theme's rank, explained term by term."
)
class ThemePriority:
    theme: ThemeRef
    terms: list[PriorityTerm]
