"""Surveys, waves, answers and results, as both APIs show them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.org.schemas import UnitRef
from app.platform.text import NO_NUL, NotBlank
from app.surveys.models import ItemKind as ItemKind
from app.surveys.models import WaveStatus as WaveStatus

ITEM_KEY = r"^[a-z][a-z0-9_]{0,39}$"
PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MAX_ITEMS = 60


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=ITEM_KEY, description="Unique in the survey: a-z, 0-9 and _.")
    kind: ItemKind = Field(
        description="`likert` (1 strongly disagree … 5 strongly agree), `enps` (0–10) or "
        "`comment` (free text)."
    )
    factor: NotBlank | None = Field(
        default=None, max_length=80, description="What a Likert item measures; only Likert."
    )
    text_fi: NotBlank = Field(max_length=500)
    text_en: NotBlank = Field(max_length=500)


class SurveyCreate(BaseModel):
    """A pulse survey: Likert items grouped into factors, exactly one eNPS item and at most
    one comment item, asked of everyone whose home unit is in a target unit's subtree."""

    model_config = ConfigDict(extra="forbid")

    name: NotBlank = Field(max_length=200)
    items: list[ItemIn] = Field(min_length=2, max_length=MAX_ITEMS)
    target_unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class ItemOut(BaseModel):
    key: str
    position: int
    kind: ItemKind
    factor: str | None
    text_fi: str
    text_en: str


class SurveyOut(BaseModel):
    id: uuid.UUID
    name: str
    items: list[ItemOut]
    target_units: list[UnitRef] = Field(description="The units whose subtrees it asks.")
    created_by: uuid.UUID
    created_at: datetime


class WaveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: NotBlank = Field(max_length=120)
    period: str | None = Field(
        default=None,
        pattern=PERIOD,
        description="The month the results stand for, YYYY-MM; by default the current month.",
    )
    closes_at: AwareDatetime | None = Field(
        default=None, description="No answers are taken after this; by default none."
    )


class WaveOut(BaseModel):
    id: uuid.UUID
    survey_id: uuid.UUID
    label: str
    period: str = Field(description="YYYY-MM.")
    status: WaveStatus = Field(description="`closed` once closed or past `closes_at`.")
    opened_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    eligible: int = Field(description="People asked, counted when the wave opened.")


class QuestionOut(BaseModel):
    key: str
    kind: ItemKind
    factor: str | None
    text: str = Field(description="In the caller's language.")


class OpenWaveOut(BaseModel):
    """A wave the caller may answer: open, asking their unit, not yet answered."""

    id: uuid.UUID
    survey_id: uuid.UUID
    survey_name: str
    label: str
    period: str
    closes_at: datetime | None
    questions: list[QuestionOut]


Likert = Annotated[int, Field(ge=1, le=5)]


class SurveyAnswerIn(BaseModel):
    """One anonymous answer: stored without the person and without a time."""

    model_config = ConfigDict(extra="forbid")

    likert: dict[Annotated[str, Field(max_length=40)], Likert] = Field(
        max_length=MAX_ITEMS, description="Every Likert item's key and its answer, 1–5."
    )
    enps: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)


class SurveyAnswerOut(BaseModel):
    """Receipt of an answer: that the caller answered the wave, and nothing that names the
    answer itself."""

    wave_id: uuid.UUID
    answered: bool


class SuppressedReason(StrEnum):
    # Fewer answers than the floor, or a group whose figures would let a smaller one be
    # worked out from others.
    TOO_FEW_ANSWERS = "too_few_answers"
    NO_ANSWERS = "no_answers"


class ValueCount(BaseModel):
    value: int
    count: int


class ItemResult(BaseModel):
    key: str
    factor: str
    text: str = Field(description="In the caller's language.")
    mean: float
    distribution: list[ValueCount] = Field(description="Answers per value, 1 to 5.")


class FactorMean(BaseModel):
    factor: str
    mean: float = Field(description="Mean of the factor's Likert answers, 1–5.")


class EnpsResult(BaseModel):
    score: float = Field(description="Promoters (9–10) % minus detractors (0–6) %.")
    promoters: int
    passives: int
    detractors: int
    distribution: list[ValueCount] = Field(description="Answers per value, 0 to 10.")


class UnitFigures(BaseModel):
    """A unit's subtree: its figures, or `suppressed` with the reason."""

    unit: UnitRef
    eligible: int = Field(description="People asked in the subtree when the wave opened.")
    suppressed: bool
    reason: SuppressedReason | None
    n: int | None = Field(description="Respondents; only when released.")
    response_rate: float | None = Field(description="n / eligible; only when released.")
    factors: list[FactorMean]
    items: list[ItemResult]
    enps: EnpsResult | None


class WaveResults(BaseModel):
    wave: WaveOut
    min_group: int = Field(description="The smallest group any figure describes.")
    unit: UnitFigures
    children: list[UnitFigures] = Field(description="Each child unit's subtree, by name.")


class SurveyCommentOut(BaseModel):
    text: str
    language: str | None


class WaveComments(BaseModel):
    """The comments of a unit's subtree, only from a group of at least `floor` comments, in
    an order that says nothing of who wrote them or when."""

    wave_id: uuid.UUID
    unit: UnitRef
    floor: int
    suppressed: bool
    reason: SuppressedReason | None
    comments: list[SurveyCommentOut]


class RateRow(BaseModel):
    unit: UnitRef
    eligible: int
    suppressed: bool
    reason: SuppressedReason | None
    responded: int | None
    response_rate: float | None


class ResponseRates(BaseModel):
    wave_id: uuid.UUID
    unit: RateRow
    children: list[RateRow]


class SurveySettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_group: int = Field(le=100_000, description="At least 5; may be raised, never lowered.")


class SurveySettingsOut(BaseModel):
    min_group: int = Field(description="The smallest group of answers any figure describes.")
    comment_floor: int = Field(description="The smallest group of comments shown.")
