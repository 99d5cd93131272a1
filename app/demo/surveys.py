"""The demo chain's pulse surveys and customer outcomes: two closed waves and one open, and a
year of monthly NPS, CSAT, CES and complaint rates per store, so that HR's linkage and
drivers have something to show.

The story the numbers tell: stores differ in how their staff feel (a little by region, more
by store), a store's CX follows its EX of the month before, and Rovaniemi Revontuli is too
small for its answers to be shown. Answers are written as the survey tables hold them: no
person, no time; the demo's own logins in stores are recorded as having answered the closed
waves, and nobody has answered the open one yet.
"""

import hashlib
import random
import uuid
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.content.surveys import COMMENTS_EN, COMMENTS_FI, ITEMS, SURVEY_NAME, WAVES
from app.demo.world import Node, World
from app.org.models import Person, Role, UnitKind
from app.outcomes.models import CxMeasure, CxOutcome, DataImport, ImportKind
from app.surveys.models import (
    ItemKind,
    Survey,
    SurveyItem,
    SurveyParticipation,
    SurveyResponse,
    SurveyTarget,
    SurveyWave,
    WaveStatus,
    WaveUnit,
)

SEED = 2026
REGION_EX = {"etela": 0.12, "lansi": 0.0, "pohjoinen": -0.12}
REGION_CX = {"etela": 4.0, "lansi": 0.0, "pohjoinen": -3.0}
# Months before the current one at which the closed waves ran.
WAVE_AGES = (8, 3)
# Too small for its answers to be shown.
SMALL_STORE = "revontuli"


def _month(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


async def seed_surveys(session: AsyncSession, world: World, now: datetime) -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    org_id = world.org_id
    root = next(n for n in world.nodes.values() if n.parent is None)
    hr = next(m for m in world.members.values() if m.role is Role.HR)
    survey_id = uuid.uuid4()
    await session.execute(
        insert(Survey).values(
            org_id=org_id,
            id=survey_id,
            name=SURVEY_NAME,
            created_by=hr.person.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
    )
    await session.execute(
        insert(SurveyItem),
        [
            {
                "org_id": org_id,
                "survey_id": survey_id,
                "key": key,
                "position": position,
                "kind": ItemKind(kind),
                "factor": factor,
                "text_fi": fi,
                "text_en": en,
            }
            for position, (key, kind, factor, fi, en) in enumerate(ITEMS)
        ],
    )
    await session.execute(
        insert(SurveyTarget).values(org_id=org_id, survey_id=survey_id, unit_id=root.unit.id)
    )
    factors = [factor for _, kind, factor, _, _ in ITEMS if kind == "likert"]
    stores = [n for n in world.nodes.values() if n.unit.kind is UnitKind.STORE]
    region_of = {s.key: s.parent.key if s.parent else "" for s in stores}
    staff = {s.key: 4 if s.key == SMALL_STORE else rng.randint(14, 32) for s in stores}
    level = {
        s.key: 3.65 + REGION_EX.get(region_of[s.key], 0.0) + rng.gauss(0, 0.28) for s in stores
    }
    today = now.date()
    # Stores differ factor by factor too; customers notice enablement and leadership most.
    flavour = {s.key: {f: rng.gauss(0, 0.3) for f in sorted(set(factors))} for s in stores}
    ex_by_wave: list[dict[str, float]] = []
    headcount = await _homed(session, org_id)
    store_people = {
        m.person.id
        for m in world.members.values()
        if m.role is Role.FRONTLINE and m.node.store.unit.kind is UnitKind.STORE
    }
    for wave_index, label in enumerate(WAVES):
        closed = wave_index < len(WAVE_AGES)
        period = _month(today, WAVE_AGES[wave_index]) if closed else _month(today, 0)
        wave_id = uuid.uuid4()
        opened = datetime(period.year, period.month, 3, 6, tzinfo=now.tzinfo)
        await session.execute(
            insert(SurveyWave).values(
                org_id=org_id,
                id=wave_id,
                survey_id=survey_id,
                label=f"{label} {period.year}",
                period=period,
                status=WaveStatus.CLOSED if closed else WaveStatus.OPEN,
                opened_by=hr.person.id,
                opened_at=min(opened, now),
                closes_at=None,
                closed_at=datetime(period.year, period.month, 24, 18, tzinfo=now.tzinfo)
                if closed
                else None,
            )
        )
        eligible = {**headcount, **{s.unit.id: staff[s.key] for s in stores}}
        await session.execute(
            insert(WaveUnit),
            [
                {"org_id": org_id, "wave_id": wave_id, "unit_id": u, "eligible": n}
                for u, n in eligible.items()
            ],
        )
        if not closed:
            continue
        drift = {s.key: rng.gauss(0.03, 0.3) * wave_index for s in stores}
        ex_by_wave.append(
            {
                k: level[k]
                + drift[k]
                + 1.8 * flavour[k]["enablement"]
                + 1.0 * flavour[k]["leadership"]
                for k in level
            }
        )
        rows = []
        for store in stores:
            answering = max(1, round(staff[store.key] * rng.uniform(0.55, 0.85)))
            for _ in range(answering):
                mood = level[store.key] + drift[store.key] + rng.gauss(0, 0.45)
                likert = [
                    round(_clamp(mood + flavour[store.key][f] + rng.gauss(0, 0.45), 1, 5))
                    for f in factors
                ]
                enps = round(
                    _clamp((sum(likert) / len(likert) - 1) * 2.5 + rng.gauss(0, 1.2), 0, 10)
                )
                comment = None
                language = None
                if rng.random() < 0.25:
                    english = rng.random() < 0.2
                    comment = rng.choice(COMMENTS_EN if english else COMMENTS_FI)
                    language = "en" if english else "fi"
                rows.append(
                    {
                        "org_id": org_id,
                        "id": uuid.uuid4(),
                        "wave_id": wave_id,
                        "unit_id": store.unit.id,
                        "likert": likert,
                        "enps": enps,
                        "comment": comment,
                        "comment_language": language,
                    }
                )
        rng.shuffle(rows)
        await session.execute(insert(SurveyResponse), rows)
        await session.execute(
            insert(SurveyParticipation),
            [{"org_id": org_id, "wave_id": wave_id, "person_id": p} for p in store_people],
        )
    await _seed_outcomes(session, world, now, stores, region_of, ex_by_wave, rng, hr.person.id)


async def _homed(session: AsyncSession, org_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(Person.home_unit_id).where(Person.org_id == org_id, Person.active)
    )
    counts: dict[uuid.UUID, int] = {}
    for (unit_id,) in rows:
        counts[unit_id] = counts.get(unit_id, 0) + 1
    return counts


async def _seed_outcomes(
    session: AsyncSession,
    world: World,
    now: datetime,
    stores: list[Node],
    region_of: dict[str, str],
    ex_by_wave: list[dict[str, float]],
    rng: random.Random,
    imported_by: uuid.UUID,
) -> None:
    """Twelve months of customer outcomes per store, following the store's EX of the month
    before (the latest wave at or before it, or the first wave before any)."""
    org_id = world.org_id
    today = now.date()
    wave_months = [_month(today, age) for age in WAVE_AGES]
    store_cx = {s.key: rng.gauss(0, 4.0) for s in stores}
    rows = []
    for back in range(12, 0, -1):
        month = _month(today, back)
        previous = _month(month, 1)
        seen = [i for i, m in enumerate(wave_months) if m <= previous]
        ex = ex_by_wave[seen[-1] if seen else 0]
        for store in stores:
            key = store.key
            shift = ex[key] - 3.65
            customers = rng.randint(180, 900)
            values = {
                CxMeasure.NPS: _clamp(
                    22
                    + 28 * shift
                    + REGION_CX.get(region_of[key], 0.0)
                    + store_cx[key]
                    + rng.gauss(0, 5),
                    -100,
                    100,
                ),
                CxMeasure.CSAT: _clamp(78 + 9 * shift + rng.gauss(0, 2.5), 0, 100),
                CxMeasure.CES: _clamp(3.1 - 0.6 * shift + rng.gauss(0, 0.25), 1, 7),
                CxMeasure.COMPLAINT_RATE: max(0.0, 2.4 - 1.1 * shift + rng.gauss(0, 0.35)),
            }
            for measure, value in values.items():
                rows.append((store.unit.id, month, measure, round(value, 2), customers))
    digest = hashlib.sha256(repr(sorted(map(str, rows))).encode()).hexdigest()
    import_id = uuid.uuid4()
    await session.execute(
        insert(DataImport).values(
            org_id=org_id,
            id=import_id,
            kind=ImportKind.CX_OUTCOMES,
            digest=digest,
            source="asiakaskokemus-12kk.csv",
            rows=len(rows),
            summary={"units": len(stores), "periods": 12},
            created_by=imported_by,
            created_at=now,
        )
    )
    await session.execute(
        insert(CxOutcome),
        [
            {
                "org_id": org_id,
                "unit_id": unit_id,
                "period": month,
                "measure": measure,
                "import_id": import_id,
                "value": value,
                "n": customers,
            }
            for unit_id, month, measure, value, customers in rows
        ],
    )
