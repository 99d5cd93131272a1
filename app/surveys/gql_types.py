"""GraphQL types of surveys, waves and their results, derived from the pydantic models
where their fields read the same; surveys, waves and units are global ids."""

import uuid
from datetime import datetime
from typing import Self

import strawberry
from strawberry.experimental import pydantic as derived

from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id
from app.gql.relay import Node
from app.org.gql import Unit
from app.surveys import schemas
from app.surveys import waves as wave_service
from app.surveys.schemas import WaveStatus


@derived.type(schemas.ItemOut, all_fields=True, description="A question of a survey.")
class SurveyItem:
    pass


@strawberry.type(description="A round of a survey, open for answers until closed.")
class Wave(Node):
    survey_id: strawberry.ID
    label: str
    period: str = strawberry.field(description="The month the results stand for, YYYY-MM.")
    status: WaveStatus = strawberry.field(description="`CLOSED` once closed or past closesAt.")
    opened_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    eligible: int = strawberry.field(description="People asked, counted when it opened.")
    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_pydantic(cls, wave: schemas.WaveOut) -> Self:
        return cls(
            id=global_id("Wave", wave.id),
            survey_id=global_id("Survey", wave.survey_id),
            label=wave.label,
            period=wave.period,
            status=wave.status,
            opened_at=wave.opened_at,
            closes_at=wave.closes_at,
            closed_at=wave.closed_at,
            eligible=wave.eligible,
            key=wave.id,
        )


@strawberry.type(description="A pulse survey: Likert items by factor, one eNPS, a comment.")
class Survey(Node):
    name: str
    items: list[SurveyItem]
    target_units: list[Unit]
    created_at: datetime
    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_pydantic(cls, survey: schemas.SurveyOut) -> Self:
        return cls(
            id=global_id("Survey", survey.id),
            name=survey.name,
            items=[SurveyItem.from_pydantic(i) for i in survey.items],
            target_units=[Unit.from_pydantic(u) for u in survey.target_units],
            created_at=survey.created_at,
            key=survey.id,
        )

    @field("The survey's waves, newest first.")
    async def waves(self, info: Info) -> list[Wave]:
        found = await info.context.read(wave_service.list_waves, self.key)
        return [Wave.from_pydantic(w) for w in found]


@derived.type(schemas.QuestionOut, all_fields=True, description="A question, in your language.")
class Question:
    pass


@strawberry.type(description="A wave you may answer: open, asking your unit, not answered.")
class OpenWave:
    id: strawberry.ID
    survey_id: strawberry.ID
    survey_name: str
    label: str
    period: str
    closes_at: datetime | None
    questions: list[Question]

    @classmethod
    def from_pydantic(cls, wave: schemas.OpenWaveOut) -> Self:
        return cls(
            id=global_id("Wave", wave.id),
            survey_id=global_id("Survey", wave.survey_id),
            survey_name=wave.survey_name,
            label=wave.label,
            period=wave.period,
            closes_at=wave.closes_at,
            questions=[Question.from_pydantic(q) for q in wave.questions],
        )


@derived.type(schemas.ValueCount, all_fields=True, description="Answers of one value.")
class ValueCount:
    pass


@derived.type(schemas.ItemResult, all_fields=True, description="A Likert item's answers.")
class ItemResult:
    pass


@derived.type(schemas.FactorMean, all_fields=True, description="A factor's mean, 1–5.")
class FactorMean:
    pass


@derived.type(
    schemas.EnpsResult,
    all_fields=True,
    description="Promoters (9–10) % minus detractors (0–6) %, and the answers behind it.",
)
class EnpsResult:
    pass


@derived.type(
    schemas.UnitFigures,
    all_fields=True,
    description="A unit's subtree: its figures, or `suppressed` with the reason.",
)
class UnitFigures:
    unit: Unit


@strawberry.type(description="A wave's results for a unit's subtree and each child's.")
class WaveResults:
    wave: Wave
    min_group: int
    unit: UnitFigures
    children: list[UnitFigures]

    @classmethod
    def from_pydantic(cls, out: schemas.WaveResults) -> Self:
        return cls(
            wave=Wave.from_pydantic(out.wave),
            min_group=out.min_group,
            unit=UnitFigures.from_pydantic(out.unit),
            children=[UnitFigures.from_pydantic(c) for c in out.children],
        )


@derived.type(schemas.SurveyCommentOut, all_fields=True, description="An anonymous comment.")
class SurveyComment:
    pass


@strawberry.type(description="A unit's subtree's comments, when the comment floor allows.")
class WaveComments:
    wave_id: strawberry.ID
    unit: Unit
    floor: int
    suppressed: bool
    reason: schemas.SuppressedReason | None
    comments: list[SurveyComment]

    @classmethod
    def from_pydantic(cls, out: schemas.WaveComments) -> Self:
        return cls(
            wave_id=global_id("Wave", out.wave_id),
            unit=Unit.from_pydantic(out.unit),
            floor=out.floor,
            suppressed=out.suppressed,
            reason=out.reason,
            comments=[SurveyComment.from_pydantic(c) for c in out.comments],
        )


@derived.type(schemas.RateRow, all_fields=True, description="People asked and answered.")
class ResponseRate:
    unit: Unit


@strawberry.type(description="Response rates of a unit's subtree and each child's.")
class ResponseRates:
    wave_id: strawberry.ID
    unit: ResponseRate
    children: list[ResponseRate]

    @classmethod
    def from_pydantic(cls, out: schemas.ResponseRates) -> Self:
        return cls(
            wave_id=global_id("Wave", out.wave_id),
            unit=ResponseRate.from_pydantic(out.unit),
            children=[ResponseRate.from_pydantic(c) for c in out.children],
        )


@derived.type(schemas.SurveySettingsOut, all_fields=True, description="The survey floors.")
class SurveySettings:
    pass
