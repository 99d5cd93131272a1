"""Waves of a survey: opening one (with its headcount), closing it, and answering it.

An answer is anonymous by construction. One transaction records that the person answered
the wave (`survey_participation`: wave and person, nothing else) and stores the answer
(`survey_responses`: a random id, the wave, the person's home unit and the answers; no
person, no time). Nothing returned, logged or audited names the answer's id: the receipt
says only that the wave was answered.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, exists, func, insert, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.language import language_of
from app.org.models import Unit
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import Conflict, InvalidInput, NotFound
from app.platform.i18n import Locale
from app.surveys import policies
from app.surveys.models import (
    ItemKind,
    SurveyParticipation,
    SurveyResponse,
    SurveyWave,
    WaveStatus,
    WaveUnit,
)
from app.surveys.schemas import (
    OpenWaveOut,
    QuestionOut,
    SurveyAnswerIn,
    SurveyAnswerOut,
    WaveCreate,
    WaveOut,
)
from app.surveys.service import items, surveys, targets

waves, wave_units = table(SurveyWave), table(WaveUnit)
participation, responses = table(SurveyParticipation), table(SurveyResponse)
units = table(Unit)
w = waves.c

# The headcount a wave asks, per unit: every unit in a target's subtree with the active
# people whose home it is (none counts too), fixed when the wave opens.
_SNAPSHOT = text(
    """
INSERT INTO wave_units (org_id, wave_id, unit_id, eligible)
SELECT u.org_id, :wave_id, u.id, count(p.id)
FROM units u
LEFT JOIN people p ON p.org_id = u.org_id AND p.home_unit_id = u.id AND p.active
WHERE u.org_id = :org_id AND EXISTS (
  SELECT 1 FROM survey_targets t JOIN units tu ON tu.org_id = t.org_id AND tu.id = t.unit_id
  WHERE t.org_id = :org_id AND t.survey_id = :survey_id AND u.path LIKE tu.path || '%'
)
GROUP BY u.org_id, u.id
"""
)
# A closing wave's answers, deleted and written again ordered by their random ids.
_RESHUFFLE = text(
    """
WITH moved AS (
  DELETE FROM survey_responses WHERE org_id = :org_id AND wave_id = :wave_id RETURNING *
)
INSERT INTO survey_responses
  (org_id, id, wave_id, unit_id, likert, enps, comment, comment_language)
SELECT org_id, id, wave_id, unit_id, likert, enps, comment, comment_language
FROM moved ORDER BY id
"""
)
_ELIGIBLE = (
    select(func.coalesce(func.sum(wave_units.c.eligible), 0))
    .where(wave_units.c.org_id == w.org_id, wave_units.c.wave_id == w.id)
    .scalar_subquery()
    .label("eligible")
)


def accepting(wave: Row[Any], now: datetime) -> bool:
    return wave.status is WaveStatus.OPEN and (wave.closes_at is None or wave.closes_at > now)


def period_text(period: date) -> str:
    return period.strftime("%Y-%m")


def wave_out(wave: Row[Any], now: datetime) -> WaveOut:
    open_now = accepting(wave, now)
    return WaveOut(
        id=wave.id,
        survey_id=wave.survey_id,
        label=wave.label,
        period=period_text(wave.period),
        status=WaveStatus.OPEN if open_now else WaveStatus.CLOSED,
        opened_at=wave.opened_at,
        closes_at=wave.closes_at,
        closed_at=wave.closed_at or (None if open_now else wave.closes_at),
        eligible=wave.eligible,
    )


async def target_paths(session: AsyncSession, org_id: uuid.UUID, survey_id: uuid.UUID) -> list[str]:
    found = await session.scalars(
        select(units.c.path)
        .join(targets, (targets.c.org_id == units.c.org_id) & (targets.c.unit_id == units.c.id))
        .where(targets.c.org_id == org_id, targets.c.survey_id == survey_id)
    )
    return list(found)


async def find_wave(
    session: AsyncSession, org_id: uuid.UUID, wave_id: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    query: Any = select(waves, _ELIGIBLE).where(w.org_id == org_id, w.id == wave_id)
    if lock:
        query = query.with_for_update(of=waves, read=True)
    found = (await session.execute(query)).first()
    if found is None:
        raise NotFound("No such wave.")
    return found


def _period(given: str | None, now: datetime) -> date:
    if given is None:
        return now.date().replace(day=1)
    year, month = given.split("-")
    return date(int(year), int(month), 1)


async def open_wave(
    session: AsyncSession, actor: Principal, survey_id: uuid.UUID, data: WaveCreate
) -> WaveOut:
    """Open a wave of a survey and count the people it asks. 404 for a missing survey; 409
    `wave_already_open` while another wave of it takes answers; 422 `closes_in_past`."""
    policies.require_officer(actor)
    survey = (
        await session.execute(
            select(surveys.c.id)
            .where(surveys.c.org_id == actor.org_id, surveys.c.id == survey_id)
            .with_for_update()
        )
    ).first()
    if survey is None:
        raise NotFound("No such survey.")
    policies.require_targets_in_reach(actor, await target_paths(session, actor.org_id, survey_id))
    now = clock.now()
    if data.closes_at is not None and data.closes_at <= now:
        raise InvalidInput("A wave cannot close before it opens.", code="closes_in_past")
    running = await session.scalar(
        select(w.id).where(
            w.org_id == actor.org_id,
            w.survey_id == survey_id,
            w.status == WaveStatus.OPEN,
            or_(w.closes_at.is_(None), w.closes_at > now),
        )
    )
    if running is not None:
        raise Conflict(
            "A wave of this survey is open: close it first.",
            code="wave_already_open",
            extra={"wave_id": str(running)},
        )
    wave_id = uuid.uuid4()
    await session.execute(
        insert(waves).values(
            org_id=actor.org_id,
            id=wave_id,
            survey_id=survey_id,
            label=data.label,
            period=_period(data.period, now),
            status=WaveStatus.OPEN,
            opened_by=actor.person_id,
            opened_at=now,
            closes_at=data.closes_at,
            earlier_floors=[],
        )
    )
    await session.execute(
        _SNAPSHOT, {"org_id": actor.org_id, "wave_id": wave_id, "survey_id": survey_id}
    )
    return wave_out(await find_wave(session, actor.org_id, wave_id), now)


async def close_wave(session: AsyncSession, actor: Principal, wave_id: uuid.UUID) -> WaveOut:
    """Close a wave: it takes no more answers. Closing a closed wave changes nothing."""
    policies.require_officer(actor)
    wave = await find_wave(session, actor.org_id, wave_id)
    policies.require_targets_in_reach(
        actor, await target_paths(session, actor.org_id, wave.survey_id)
    )
    now = clock.now()
    if wave.status is WaveStatus.OPEN:
        await _seal(session, actor.org_id, wave_id, closed_at=min(now, wave.closes_at or now))
        wave = await find_wave(session, actor.org_id, wave_id)
    return wave_out(wave, now)


async def _seal(
    session: AsyncSession, org_id: uuid.UUID, wave_id: uuid.UUID, *, closed_at: datetime
) -> None:
    """Close the wave and write its answers anew, in the order of their random ids, in this
    one transaction: no answer is left with the transaction id it was given in (which its
    participation record and the audit entry of the same request share) or in the place
    its arrival put it in the table."""
    await session.execute(
        update(waves)
        .where(w.org_id == org_id, w.id == wave_id)
        .values(status=WaveStatus.CLOSED, closed_at=closed_at)
    )
    await session.execute(_RESHUFFLE, {"org_id": org_id, "wave_id": wave_id})


async def seal_if_expired(session: AsyncSession, org_id: uuid.UUID, wave: Row[Any]) -> Row[Any]:
    """A wave past its closing time is closed and sealed as if closed then (see `_seal`)."""
    if wave.status is WaveStatus.OPEN and not accepting(wave, clock.now()):
        await _seal(session, org_id, wave.id, closed_at=wave.closes_at)
        return await find_wave(session, org_id, wave.id)
    return wave


async def list_waves(
    session: AsyncSession, actor: Principal, survey_id: uuid.UUID
) -> list[WaveOut]:
    """A survey's waves, newest first (managers, HR and administrators)."""
    policies.require_reader(actor)
    known = await session.scalar(
        select(surveys.c.id).where(surveys.c.org_id == actor.org_id, surveys.c.id == survey_id)
    )
    if known is None:
        raise NotFound("No such survey.")
    now = clock.now()
    found = await session.execute(
        select(waves, _ELIGIBLE)
        .where(w.org_id == actor.org_id, w.survey_id == survey_id)
        .order_by(w.opened_at.desc(), w.id)
    )
    return [wave_out(r, now) for r in found]


async def get_wave(session: AsyncSession, actor: Principal, wave_id: uuid.UUID) -> WaveOut:
    policies.require_reader(actor)
    return wave_out(await find_wave(session, actor.org_id, wave_id), clock.now())


async def _questions(
    session: AsyncSession, org_id: uuid.UUID, survey_ids: Sequence[uuid.UUID], locale: Locale
) -> dict[uuid.UUID, list[QuestionOut]]:
    asked: dict[uuid.UUID, list[QuestionOut]] = defaultdict(list)
    if not survey_ids:
        return asked
    for i in await session.execute(
        select(items)
        .where(items.c.org_id == org_id, items.c.survey_id.in_(list(survey_ids)))
        .order_by(items.c.survey_id, items.c.position)
    ):
        asked[i.survey_id].append(
            QuestionOut(
                key=i.key,
                kind=i.kind,
                factor=i.factor,
                text=i.text_fi if locale is Locale.FI else i.text_en,
            )
        )
    return asked


async def open_waves(session: AsyncSession, actor: Principal) -> list[OpenWaveOut]:
    """The waves the caller may answer: open, asking their home unit, not yet answered; with
    the questions in the caller's language."""
    now = clock.now()
    asks_me = exists(
        select(1)
        .select_from(targets)
        .join(units, (units.c.org_id == targets.c.org_id) & (units.c.id == targets.c.unit_id))
        .where(
            targets.c.org_id == w.org_id,
            targets.c.survey_id == w.survey_id,
            literal(actor.home_path).like(units.c.path + "%"),
        )
    )
    answered = exists(
        select(1).where(
            participation.c.org_id == w.org_id,
            participation.c.wave_id == w.id,
            participation.c.person_id == actor.person_id,
        )
    )
    found = (
        await session.execute(
            select(waves, surveys.c.name.label("survey_name"))
            .join(surveys, (surveys.c.org_id == w.org_id) & (surveys.c.id == w.survey_id))
            .where(
                w.org_id == actor.org_id,
                w.status == WaveStatus.OPEN,
                or_(w.closes_at.is_(None), w.closes_at > now),
                asks_me,
                ~answered,
            )
            .order_by(w.opened_at, w.id)
        )
    ).all()
    asked = await _questions(session, actor.org_id, [r.survey_id for r in found], actor.locale)
    return [
        OpenWaveOut(
            id=r.id,
            survey_id=r.survey_id,
            survey_name=r.survey_name,
            label=r.label,
            period=period_text(r.period),
            closes_at=r.closes_at,
            questions=asked[r.survey_id],
        )
        for r in found
    ]


def _likert_in_order(survey_items: Sequence[Any], given: dict[str, int]) -> list[int]:
    likert = [i.key for i in survey_items if i.kind is ItemKind.LIKERT]
    unknown = sorted(set(given) - set(likert))
    if unknown:
        raise InvalidInput(
            "These are not Likert items of the survey.",
            code="unknown_item",
            extra={"keys": unknown},
        )
    missing = [key for key in likert if key not in given]
    if missing:
        raise InvalidInput(
            "Every Likert item needs an answer.",
            code="likert_answers_incomplete",
            extra={"keys": missing},
        )
    return [given[key] for key in likert]


async def answer_wave(
    session: AsyncSession, actor: Principal, wave_id: uuid.UUID, data: SurveyAnswerIn
) -> SurveyAnswerOut:
    """Answer a wave, once. 404 for a missing wave; 403 `not_surveyed` when it does not ask
    the caller's unit; 409 `wave_closed`, `already_answered`; 422 `unknown_item`,
    `likert_answers_incomplete`, `comment_not_asked`."""
    wave = await find_wave(session, actor.org_id, wave_id, lock=True)
    policies.require_answerer(actor, await target_paths(session, actor.org_id, wave.survey_id))
    if not accepting(wave, clock.now()):
        raise Conflict("The wave is closed.", code="wave_closed")
    survey_items = (
        await session.execute(
            select(items.c.key, items.c.kind)
            .where(items.c.org_id == actor.org_id, items.c.survey_id == wave.survey_id)
            .order_by(items.c.position)
        )
    ).all()
    likert = _likert_in_order(survey_items, data.likert)
    comment = (data.comment or "").strip() or None
    if comment is not None and not any(i.kind is ItemKind.COMMENT for i in survey_items):
        raise InvalidInput("The survey asks for no comment.", code="comment_not_asked")
    first = await session.scalar(
        pg_insert(participation)
        .values(org_id=actor.org_id, wave_id=wave_id, person_id=actor.person_id)
        .on_conflict_do_nothing()
        .returning(participation.c.person_id)
    )
    if first is None:
        raise Conflict("You have answered this wave already.", code="already_answered")
    language = await language_of(comment) if comment is not None else None
    await session.execute(
        insert(responses).values(
            org_id=actor.org_id,
            id=uuid.uuid4(),
            wave_id=wave_id,
            unit_id=actor.home_unit_id,
            likert=likert,
            enps=data.enps,
            comment=comment,
            comment_language=language,
        )
    )
    return SurveyAnswerOut(wave_id=wave_id, answered=True)
