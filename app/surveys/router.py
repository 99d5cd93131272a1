import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.surveys import results, service, waves
from app.surveys.schemas import (
    OpenWaveOut,
    ResponseRates,
    SurveyAnswerIn,
    SurveyAnswerOut,
    SurveyCreate,
    SurveyOut,
    SurveySettingsIn,
    SurveySettingsOut,
    WaveComments,
    WaveCreate,
    WaveOut,
    WaveResults,
)
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["surveys"], route_class=ApiRoute)

UnitId = Annotated[
    uuid.UUID | None,
    Query(description="The unit whose subtree is described; by default your reading scope."),
]


@router.post("/surveys", status_code=status.HTTP_201_CREATED)
async def create_survey(body: SurveyCreate, session: Session, caller: Caller) -> SurveyOut:
    """Define a pulse survey (HR and administrators): Likert items (1–5) grouped into
    factors, exactly one eNPS item (0–10), at most one comment, and the units whose
    subtrees it asks. A survey is not edited once defined: define a new one instead."""
    return await service.create_survey(session, caller, body)


@router.get("/surveys")
async def list_surveys(session: Session, caller: Caller) -> list[SurveyOut]:
    """The organisation's surveys, newest first (managers, HR and administrators)."""
    return await service.list_surveys(session, caller)


@router.get("/surveys/settings")
async def get_survey_settings(session: Session, caller: Caller) -> SurveySettingsOut:
    """The survey floor: the smallest group of answers any figure describes, and of
    comments shown (HR and administrators)."""
    return await service.get_settings(session, caller)


@router.put("/surveys/settings")
async def set_survey_settings(
    body: SurveySettingsIn, session: Session, caller: Caller
) -> SurveySettingsOut:
    """Raise the survey floor (administrators); every later read follows it. Below 5: 422
    `min_group_too_small`; below the current floor: 409 `min_group_lowered`."""
    return await service.set_settings(session, caller, body)


@router.get("/surveys/{survey_id}")
async def get_survey(survey_id: uuid.UUID, session: Session, caller: Caller) -> SurveyOut:
    """One survey with its items and target units."""
    return await service.get_survey(session, caller, survey_id)


@router.post("/surveys/{survey_id}/waves", status_code=status.HTTP_201_CREATED)
async def open_wave(
    survey_id: uuid.UUID, body: WaveCreate, session: Session, caller: Caller
) -> WaveOut:
    """Open a wave of the survey (HR and administrators) and count, per unit, the active
    people it asks: the denominators of its response rates. 409 `wave_already_open` while
    another wave of the survey takes answers."""
    return await waves.open_wave(session, caller, survey_id, body)


@router.get("/surveys/{survey_id}/waves")
async def list_waves(survey_id: uuid.UUID, session: Session, caller: Caller) -> list[WaveOut]:
    """The survey's waves, newest first."""
    return await waves.list_waves(session, caller, survey_id)


@router.get("/waves/open")
async def list_open_waves(session: Session, caller: Caller) -> list[OpenWaveOut]:
    """The waves you may answer: open, asking your home unit, not yet answered by you; the
    questions in your language."""
    return await waves.open_waves(session, caller)


@router.get("/waves/{wave_id}")
async def get_wave(wave_id: uuid.UUID, session: Session, caller: Caller) -> WaveOut:
    """One wave (managers, HR and administrators)."""
    return await waves.get_wave(session, caller, wave_id)


@router.post("/waves/{wave_id}/close")
async def close_wave(wave_id: uuid.UUID, session: Session, caller: Caller) -> WaveOut:
    """Close a wave: it takes no more answers (HR and administrators)."""
    return await waves.close_wave(session, caller, wave_id)


@router.post("/waves/{wave_id}/responses", status_code=status.HTTP_201_CREATED)
async def answer_wave(
    wave_id: uuid.UUID, body: SurveyAnswerIn, session: Session, caller: Caller
) -> SurveyAnswerOut:
    """Answer a wave, once, anonymously: the answer is stored without your name and without
    a time, apart from the record that you answered. Every Likert item needs an answer.
    403 `not_surveyed`; 409 `already_answered`, `wave_closed`."""
    return await waves.answer_wave(session, caller, wave_id, body)


@router.get("/waves/{wave_id}/results")
async def get_wave_results(
    wave_id: uuid.UUID, session: Session, caller: Caller, unit_id: UnitId = None
) -> WaveResults:
    """A unit's subtree and each child's: respondents, response rate, factor and item means
    and distributions, eNPS; each group only when the floors release it, else `suppressed`
    with the reason (managers over their subtree, HR and administrators over theirs). Shown
    once the wave has closed (409 `wave_open` before)."""
    return await results.wave_results(session, caller, wave_id, unit_id)


@router.get("/waves/{wave_id}/comments")
async def list_wave_comments(
    wave_id: uuid.UUID, session: Session, caller: Caller, unit_id: UnitId = None
) -> WaveComments:
    """A unit's subtree's comments, only from a group of at least the comment floor (10, or
    the survey floor when higher), ordered by their text; once the wave has closed."""
    return await results.wave_comments(session, caller, wave_id, unit_id)


@router.get("/waves/{wave_id}/response-rates")
async def get_wave_response_rates(
    wave_id: uuid.UUID, session: Session, caller: Caller, unit_id: UnitId = None
) -> ResponseRates:
    """People asked in a unit's subtree and in each child's, and how many answered where the
    floors release it; also while the wave is open."""
    return await results.response_rates(session, caller, wave_id, unit_id)
