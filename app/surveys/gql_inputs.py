"""GraphQL inputs of surveys: the REST bodies, with global ids and the Likert answers as a
list of key and value (GraphQL has no maps)."""

from datetime import datetime

import strawberry

from app.surveys.schemas import ItemKind


@strawberry.input
class SurveyItemInput:
    key: str
    kind: ItemKind
    factor: str | None = None
    text_fi: str
    text_en: str


@strawberry.input
class CreateSurveyInput:
    name: str
    items: list[SurveyItemInput]
    target_unit_ids: list[strawberry.ID]


@strawberry.input
class OpenWaveInput:
    survey_id: strawberry.ID
    label: str
    period: str | None = strawberry.field(
        default=None, description="YYYY-MM; by default the current month."
    )
    closes_at: datetime | None = None


@strawberry.input
class CloseWaveInput:
    wave_id: strawberry.ID


@strawberry.input
class LikertAnswerInput:
    key: str
    value: int = strawberry.field(description="1 strongly disagree … 5 strongly agree.")


@strawberry.input
class AnswerSurveyInput:
    wave_id: strawberry.ID
    likert: list[LikertAnswerInput]
    enps: int
    comment: str | None = None
