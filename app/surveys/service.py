"""Survey definitions and the organisation's survey floor.

A survey is defined once and not edited: its questions are what every wave asked, so
results of different waves stay comparable. A changed survey is a new survey.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import all_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Organisation, Unit
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.platform import clock
from app.platform.db import table
from app.platform.errors import InvalidInput, NotFound
from app.surveys import floors, policies
from app.surveys.models import ItemKind, Survey, SurveyItem, SurveyTarget, SurveyWave, WaveStatus
from app.surveys.schemas import (
    ItemIn,
    ItemOut,
    SurveyCreate,
    SurveyOut,
    SurveySettingsIn,
    SurveySettingsOut,
)

surveys, items, targets = table(Survey), table(SurveyItem), table(SurveyTarget)
units, organisations = table(Unit), table(Organisation)
waves = table(SurveyWave)


def check_items(given: Sequence[ItemIn]) -> None:
    """422 with a stable code for a survey that is not one pulse survey."""
    repeated = [key for key, n in Counter(i.key for i in given).items() if n > 1]
    if repeated:
        raise InvalidInput(
            "Each item needs a key of its own.", code="duplicate_item_key", extra={"keys": repeated}
        )
    for item in given:
        if item.kind is ItemKind.LIKERT and item.factor is None:
            raise InvalidInput(
                "A Likert item belongs to a factor.",
                code="factor_required",
                extra={"key": item.key},
            )
        if item.kind is not ItemKind.LIKERT and item.factor is not None:
            raise InvalidInput(
                "Only Likert items belong to a factor.",
                code="factor_not_allowed",
                extra={"key": item.key},
            )
    kinds = Counter(i.kind for i in given)
    if kinds[ItemKind.LIKERT] == 0:
        raise InvalidInput("A survey asks at least one Likert item.", code="likert_item_required")
    if kinds[ItemKind.ENPS] != 1:
        raise InvalidInput("A survey asks exactly one eNPS item.", code="one_enps_item")
    if kinds[ItemKind.COMMENT] > 1:
        raise InvalidInput("A survey asks at most one comment.", code="one_comment_item")


async def create_survey(session: AsyncSession, actor: Principal, data: SurveyCreate) -> SurveyOut:
    """Define a survey. 403 `not_survey_officer`, `target_out_of_reach`; 422
    `duplicate_item_key`, `factor_required`, `factor_not_allowed`, `likert_item_required`,
    `one_enps_item`, `one_comment_item`, `unknown_unit`."""
    policies.require_officer(actor)
    check_items(data.items)
    wanted = list(dict.fromkeys(data.target_unit_ids))
    rows = await session.execute(
        select(units.c.id, units.c.path).where(
            units.c.org_id == actor.org_id, units.c.id.in_(wanted)
        )
    )
    found: dict[uuid.UUID, str] = {r.id: r.path for r in rows}
    unknown = [str(u) for u in wanted if u not in found]
    if unknown:
        raise InvalidInput("No such unit.", code="unknown_unit", extra={"unit_ids": unknown})
    policies.require_targets_in_reach(actor, found.values())
    now = clock.now()
    survey_id = uuid.uuid4()
    await session.execute(
        insert(surveys).values(
            org_id=actor.org_id,
            id=survey_id,
            name=data.name,
            created_by=actor.person_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
    )
    await session.execute(
        insert(items),
        [
            {
                "org_id": actor.org_id,
                "survey_id": survey_id,
                "key": item.key,
                "position": position,
                "kind": item.kind,
                "factor": item.factor,
                "text_fi": item.text_fi,
                "text_en": item.text_en,
            }
            for position, item in enumerate(data.items)
        ],
    )
    await session.execute(
        insert(targets),
        [{"org_id": actor.org_id, "survey_id": survey_id, "unit_id": u} for u in wanted],
    )
    return (await _surveys(session, actor.org_id, [survey_id]))[0]


async def _surveys(
    session: AsyncSession, org_id: uuid.UUID, survey_ids: Sequence[uuid.UUID] | None = None
) -> list[SurveyOut]:
    """Surveys with their items and targets in three statements, newest first."""
    query = select(surveys).where(surveys.c.org_id == org_id)
    if survey_ids is not None:
        query = query.where(surveys.c.id.in_(list(survey_ids)))
    found = (await session.execute(query.order_by(surveys.c.created_at.desc(), surveys.c.id))).all()
    ids = [s.id for s in found]
    if not ids:
        return []
    by_survey: dict[uuid.UUID, list[ItemOut]] = defaultdict(list)
    for i in await session.execute(
        select(items)
        .where(items.c.org_id == org_id, items.c.survey_id.in_(ids))
        .order_by(items.c.survey_id, items.c.position)
    ):
        by_survey[i.survey_id].append(
            ItemOut(
                key=i.key,
                position=i.position,
                kind=i.kind,
                factor=i.factor,
                text_fi=i.text_fi,
                text_en=i.text_en,
            )
        )
    aimed: dict[uuid.UUID, list[UnitRef]] = defaultdict(list)
    for t in await session.execute(
        select(targets.c.survey_id, units.c.id, units.c.name)
        .join(units, (units.c.org_id == targets.c.org_id) & (units.c.id == targets.c.unit_id))
        .where(targets.c.org_id == org_id, targets.c.survey_id.in_(ids))
        .order_by(targets.c.survey_id, units.c.name, units.c.id)
    ):
        aimed[t.survey_id].append(UnitRef(id=t.id, name=t.name))
    return [
        SurveyOut(
            id=s.id,
            name=s.name,
            items=by_survey[s.id],
            target_units=aimed[s.id],
            created_by=s.created_by,
            created_at=s.created_at,
        )
        for s in found
    ]


async def list_surveys(session: AsyncSession, actor: Principal) -> list[SurveyOut]:
    """The organisation's surveys, newest first (managers, HR and administrators)."""
    policies.require_reader(actor)
    return await _surveys(session, actor.org_id)


async def get_survey(session: AsyncSession, actor: Principal, survey_id: uuid.UUID) -> SurveyOut:
    policies.require_reader(actor)
    found = await _surveys(session, actor.org_id, [survey_id])
    if not found:
        raise NotFound("No such survey.")
    return found[0]


async def min_group(session: AsyncSession, org_id: uuid.UUID, *, lock: bool = False) -> int:
    query: Any = select(organisations.c.survey_min_group).where(organisations.c.id == org_id)
    if lock:
        query = query.with_for_update()
    value = (await session.execute(query)).scalar_one()
    return int(value)


def _settings(value: int) -> SurveySettingsOut:
    return SurveySettingsOut(min_group=value, comment_floor=floors.comment_floor(value))


async def get_settings(session: AsyncSession, actor: Principal) -> SurveySettingsOut:
    policies.require_settings_reader(actor)
    return _settings(await min_group(session, actor.org_id))


async def set_settings(
    session: AsyncSession, actor: Principal, data: SurveySettingsIn
) -> SurveySettingsOut:
    """Raise the survey floor; every later read follows it. A closed wave keeps the floors
    its results may have been read under, and releases only what all of them release.
    403 `not_an_admin`; 422
    `min_group_too_small` below 5; 409 `min_group_lowered` below the current floor."""
    policies.require_settings_keeper(actor)
    current = await min_group(session, actor.org_id, lock=True)
    policies.require_min_group(current, data.min_group)
    if data.min_group > current:
        # Waves whose results may have been read under the floor being replaced.
        now = clock.now()
        await session.execute(
            update(waves)
            .where(
                waves.c.org_id == actor.org_id,
                or_(
                    waves.c.status == WaveStatus.CLOSED,
                    waves.c.closes_at <= now,
                ),
                literal(current) != all_(waves.c.earlier_floors),
            )
            .values(earlier_floors=func.array_append(waves.c.earlier_floors, current))
        )
    await session.execute(
        update(organisations)
        .where(organisations.c.id == actor.org_id)
        .values(survey_min_group=data.min_group)
    )
    return _settings(data.min_group)
