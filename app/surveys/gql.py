"""Pulse surveys in GraphQL, over the same services as REST."""

import uuid

import strawberry

from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import uuid_of, uuids_of
from app.platform.errors import NotFound
from app.surveys import results, service, waves
from app.surveys import schemas as out
from app.surveys.gql_inputs import (
    AnswerSurveyInput,
    CloseWaveInput,
    CreateSurveyInput,
    OpenWaveInput,
)
from app.surveys.gql_types import (
    OpenWave,
    ResponseRates,
    Survey,
    SurveySettings,
    Wave,
    WaveComments,
    WaveResults,
)


async def find_survey(info: Info, key: uuid.UUID) -> Survey | None:
    try:
        return Survey.from_pydantic(await info.context.read(service.get_survey, key))
    except NotFound:
        return None


async def find_wave(info: Info, key: uuid.UUID) -> Wave | None:
    try:
        return Wave.from_pydantic(await info.context.read(waves.get_wave, key))
    except NotFound:
        return None


def _unit(unit_id: strawberry.ID | None) -> uuid.UUID | None:
    return uuid_of("Unit", unit_id) if unit_id is not None else None


@strawberry.type
class SurveyQueries:
    @field("The organisation's surveys, newest first (managers, HR, administrators).")
    async def surveys(self, info: Info) -> list[Survey]:
        return [Survey.from_pydantic(s) for s in await info.context.read(service.list_surveys)]

    @field("The waves you may answer: open, asking your unit, not yet answered by you.")
    async def open_waves(self, info: Info) -> list[OpenWave]:
        return [OpenWave.from_pydantic(w) for w in await info.context.read(waves.open_waves)]

    @field(
        "A wave's results for a unit's subtree (by default your reading scope) and each "
        "child's, every group held to the floors."
    )
    async def wave_results(
        self, info: Info, wave_id: strawberry.ID, unit_id: strawberry.ID | None = None
    ) -> WaveResults:
        found = await info.context.read(
            results.wave_results, uuid_of("Wave", wave_id), _unit(unit_id)
        )
        return WaveResults.from_pydantic(found)

    @field("A unit's subtree's comments, when the comment floor releases them.")
    async def wave_comments(
        self, info: Info, wave_id: strawberry.ID, unit_id: strawberry.ID | None = None
    ) -> WaveComments:
        found = await info.context.read(
            results.wave_comments, uuid_of("Wave", wave_id), _unit(unit_id)
        )
        return WaveComments.from_pydantic(found)

    @field("People asked and, where the floors release it, how many answered.")
    async def wave_response_rates(
        self, info: Info, wave_id: strawberry.ID, unit_id: strawberry.ID | None = None
    ) -> ResponseRates:
        found = await info.context.read(
            results.response_rates, uuid_of("Wave", wave_id), _unit(unit_id)
        )
        return ResponseRates.from_pydantic(found)

    @field("The survey floors (HR and administrators).")
    async def survey_settings(self, info: Info) -> SurveySettings:
        return SurveySettings.from_pydantic(await info.context.read(service.get_settings))


@strawberry.type
class SurveyPayload:
    survey: Survey


@strawberry.type
class WavePayload:
    wave: Wave


@strawberry.type(description="That you answered the wave; nothing that names your answer.")
class AnswerSurveyPayload:
    wave_id: strawberry.ID
    answered: bool


@strawberry.type
class SurveyMutations:
    @mutation("Define a pulse survey (HR and administrators).")
    async def create_survey(self, info: Info, input: CreateSurveyInput) -> SurveyPayload:
        data = out.SurveyCreate(
            name=input.name,
            items=[
                out.ItemIn(
                    key=i.key,
                    kind=i.kind,
                    factor=i.factor,
                    text_fi=i.text_fi,
                    text_en=i.text_en,
                )
                for i in input.items
            ],
            target_unit_ids=uuids_of("Unit", input.target_unit_ids),
        )
        return SurveyPayload(
            survey=Survey.from_pydantic(await info.context.write(service.create_survey, data))
        )

    @mutation("Open a wave of a survey and count the people it asks.")
    async def open_wave(self, info: Info, input: OpenWaveInput) -> WavePayload:
        data = out.WaveCreate(label=input.label, period=input.period, closes_at=input.closes_at)
        wave = await info.context.write(waves.open_wave, uuid_of("Survey", input.survey_id), data)
        return WavePayload(wave=Wave.from_pydantic(wave))

    @mutation("Close a wave: it takes no more answers.")
    async def close_wave(self, info: Info, input: CloseWaveInput) -> WavePayload:
        wave = await info.context.write(waves.close_wave, uuid_of("Wave", input.wave_id))
        return WavePayload(wave=Wave.from_pydantic(wave))

    @mutation("Answer a wave, once, anonymously.")
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> AnswerSurveyPayload:
        wave_id = uuid_of("Wave", input.wave_id)
        data = out.SurveyAnswerIn(
            likert={a.key: a.value for a in input.likert},
            enps=input.enps,
            comment=input.comment,
        )
        answered = await info.context.write(waves.answer_wave, wave_id, data)
        return AnswerSurveyPayload(wave_id=input.wave_id, answered=answered.answered)
