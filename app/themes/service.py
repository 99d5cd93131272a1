"""Themes as managers see and curate them: list, read, rename, merge, split, move.

A reader sees a theme when at least one of its insights is one they may read; curating
one is for managers and administrators (`policies`). Every decision is recorded
(`ThemeDecision`) and written where re-clustering must respect it (`reclustering`).
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Row, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies as insight_policies
from app.insights import rows
from app.insights.models import InsightStatus
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.routing.models import RoutingRule
from app.themes import clustering, labels, placement, policies, vectors
from app.themes.models import (
    InsightEmbedding,
    Theme,
    ThemeDecision,
    ThemeDecisionKind,
    ThemeMember,
    ThemeStatus,
)
from app.themes.schemas import (
    SplitOut,
    ThemeDecisionOut,
    ThemeMergeInput,
    ThemeMoveInput,
    ThemeName,
    ThemeOut,
    ThemeSplitInput,
    ThemeStageShare,
)

_themes, _members, _decisions = table(Theme), table(ThemeMember), table(ThemeDecision)
_embeddings, _rules = table(InsightEmbedding), table(RoutingRule)
_t, _m, _d = _themes.c, _members.c, _decisions.c
ic = rows.ic

# The journey stages a theme shows as dominant.
DOMINANT_STAGES = 2

_VISIBLE_MEMBER = exists(
    select(1)
    .select_from(_members.join(rows.insights, (ic.org_id == _m.org_id) & (ic.id == _m.insight_id)))
    .where(
        _m.org_id == _t.org_id,
        _m.theme_id == _t.id,
        ic.status != InsightStatus.MERGED,
        insight_policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
    )
)
# Active themes that hold an insight the caller may read, largest first.
_THEMES = (
    select(_themes)
    .where(_t.org_id == bindparam("org_id"), _t.status == ThemeStatus.ACTIVE, _VISIBLE_MEMBER)
    .order_by(_t.member_count.desc(), _t.id)
)
# One theme: an active one as listed; a merged or retired one, which holds no insight any
# more, to any reader of the organisation, so that links to it still resolve.
_THEME = select(_themes).where(
    _t.org_id == bindparam("org_id"),
    _t.id == bindparam("theme_id"),
    or_(_t.status != ThemeStatus.ACTIVE, _VISIBLE_MEMBER),
)
_STAGES = (
    select(_m.theme_id, ic.journey_stage, func.count().label("insights"))
    .select_from(_members.join(rows.insights, (ic.org_id == _m.org_id) & (ic.id == _m.insight_id)))
    .where(
        _m.org_id == bindparam("org_id"),
        _m.theme_id.in_(bindparam("theme_ids", expanding=True)),
        ic.status != InsightStatus.MERGED,
    )
    .group_by(_m.theme_id, ic.journey_stage)
)


async def _stages(
    session: AsyncSession, org_id: uuid.UUID, theme_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ThemeStageShare]]:
    if not theme_ids:
        return {}
    counted: dict[uuid.UUID, list[tuple[str | None, int]]] = defaultdict(list)
    for r in await session.execute(_STAGES, {"org_id": org_id, "theme_ids": list(theme_ids)}):
        counted[r.theme_id].append((r.journey_stage, r.insights))
    shares: dict[uuid.UUID, list[ThemeStageShare]] = {}
    for theme_id, stages in counted.items():
        total = sum(n for _, n in stages) or 1
        top = sorted(stages, key=lambda s: (-s[1], s[0] or ""))[:DOMINANT_STAGES]
        shares[theme_id] = [
            ThemeStageShare(journey_stage=stage, insights=n, share=round(n / total, 3))
            for stage, n in top
        ]
    return shares


def _out(theme: Row[Any], stages: dict[uuid.UUID, list[ThemeStageShare]]) -> ThemeOut:
    return ThemeOut(
        id=theme.id,
        status=theme.status,
        name_fi=theme.name_fi or theme.label_fi,
        name_en=theme.name_en or theme.label_en,
        label_fi=theme.label_fi,
        label_en=theme.label_en,
        named_by_manager=theme.named_by is not None,
        merged_into_id=theme.merged_into_id,
        curated=theme.curated_at is not None,
        insights=theme.member_count,
        dominant_stages=stages.get(theme.id, []),
        version=theme.version,
        created_at=theme.created_at,
        updated_at=theme.updated_at,
    )


async def list_themes(session: AsyncSession, actor: Principal) -> list[ThemeOut]:
    """The organisation's active themes that hold an insight the caller may read, largest
    first."""
    policies.require_reader(actor)
    found = (await session.execute(_THEMES, insight_policies.visibility_params(actor))).all()
    stages = await _stages(session, actor.org_id, [t.id for t in found])
    return [_out(t, stages) for t in found]


async def _visible_theme(
    session: AsyncSession, actor: Principal, theme_id: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    statement = _THEME
    if lock:
        statement = statement.with_for_update(of=_themes)
    found = (
        await session.execute(
            statement, {**insight_policies.visibility_params(actor), "theme_id": theme_id}
        )
    ).first()
    if found is None:
        raise NotFound("No such theme.")
    return found


async def get_theme(session: AsyncSession, actor: Principal, theme_id: uuid.UUID) -> ThemeOut:
    policies.require_reader(actor)
    theme = await _visible_theme(session, actor, theme_id)
    return _out(theme, await _stages(session, actor.org_id, [theme.id]))


async def themes_of_insights(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ThemeOut]:
    """The theme of each of these insights (which the caller has read) that has one, for a
    reader of themes; two statements for the lot."""
    if not insight_ids or not policies.reads_themes(actor):
        return {}
    found = (
        await session.execute(
            select(_m.insight_id, _themes)
            .join(_themes, (_t.org_id == _m.org_id) & (_t.id == _m.theme_id))
            .where(_m.org_id == actor.org_id, _m.insight_id.in_(list(insight_ids)))
        )
    ).all()
    stages = await _stages(session, actor.org_id, list({r.id for r in found}))
    return {r.insight_id: _out(r, stages) for r in found}


def _check_version(theme: Row[Any], expected_version: int | None) -> None:
    if expected_version is not None and expected_version != theme.version:
        raise PreconditionFailed(
            "The theme has changed since it was read.", extra={"version": theme.version}
        )


def _require_active(theme: Row[Any]) -> None:
    if theme.status != ThemeStatus.ACTIVE:
        raise Conflict(
            f"The theme is {theme.status.value}.",
            code="theme_not_active",
            extra={"theme_status": theme.status.value},
        )


async def _decide(
    session: AsyncSession,
    actor: Principal,
    theme_id: uuid.UUID,
    kind: ThemeDecisionKind,
    data: dict[str, Any],
    now: datetime,
) -> None:
    await session.execute(
        _decisions.insert().values(
            org_id=actor.org_id,
            theme_id=theme_id,
            kind=kind,
            actor_id=actor.person_id,
            data=data,
            created_at=now,
        )
    )


async def _touch(
    session: AsyncSession, org_id: uuid.UUID, theme_id: uuid.UUID, now: datetime, **values: Any
) -> None:
    await session.execute(
        update(_themes)
        .where(_t.org_id == org_id, _t.id == theme_id)
        .values(curated_at=now, updated_at=now, version=_t.version + 1, **values)
    )


async def rename_theme(
    session: AsyncSession,
    actor: Principal,
    theme_id: uuid.UUID,
    data: ThemeName,
    *,
    expected_version: int | None = None,
) -> ThemeOut:
    """Give a theme the manager's names in Finnish and English; they outlive re-clustering."""
    policies.require_curator(actor)
    theme = await _visible_theme(session, actor, theme_id, lock=True)
    _check_version(theme, expected_version)
    _require_active(theme)
    now = clock.now()
    await _touch(
        session,
        actor.org_id,
        theme_id,
        now,
        name_fi=data.name_fi,
        name_en=data.name_en,
        named_by=actor.person_id,
    )
    await _decide(
        session,
        actor,
        theme_id,
        ThemeDecisionKind.RENAMED,
        {"name_fi": data.name_fi, "name_en": data.name_en},
        now,
    )
    return await get_theme(session, actor, theme_id)


async def merge_themes(
    session: AsyncSession,
    actor: Principal,
    theme_id: uuid.UUID,
    data: ThemeMergeInput,
    *,
    expected_version: int | None = None,
) -> ThemeOut:
    """Fold a theme into another: its insights move there for good (pinned), routing rules
    naming it name the other, and it stays as a pointer. Returns the absorbing theme."""
    policies.require_curator(actor)
    if data.into_theme_id == theme_id:
        raise InvalidInput("A theme cannot be merged into itself.", code="merge_into_itself")
    # Locked in one order, so two opposite merges cannot deadlock.
    first, second = sorted([theme_id, data.into_theme_id], key=str)
    locked = {
        t.id: t
        for t in [
            await _visible_theme(session, actor, first, lock=True),
            await _visible_theme(session, actor, second, lock=True),
        ]
    }
    source, target = locked[theme_id], locked[data.into_theme_id]
    _check_version(source, expected_version)
    _require_active(source)
    _require_active(target)
    now = clock.now()
    await session.execute(
        update(_members)
        .where(_m.org_id == actor.org_id, _m.theme_id == theme_id)
        .values(theme_id=data.into_theme_id, pinned=True, assigned_at=now)
    )
    await session.execute(
        update(_rules)
        .where(_rules.c.org_id == actor.org_id, _rules.c.match_theme_id == theme_id)
        .values(match_theme_id=data.into_theme_id, updated_at=now, version=_rules.c.version + 1)
    )
    await _touch(
        session,
        actor.org_id,
        theme_id,
        now,
        status=ThemeStatus.MERGED,
        merged_into_id=data.into_theme_id,
        centroid=None,
        member_count=0,
    )
    await _touch(session, actor.org_id, data.into_theme_id, now)
    await placement.recount(session, actor.org_id, [data.into_theme_id])
    await _decide(
        session,
        actor,
        data.into_theme_id,
        ThemeDecisionKind.MERGED,
        {"merged_theme_id": str(theme_id), "insights": source.member_count},
        now,
    )
    return await get_theme(session, actor, data.into_theme_id)


async def _member_texts(
    session: AsyncSession, org_id: uuid.UUID, insight_ids: Sequence[uuid.UUID]
) -> list[tuple[str, str | None]]:
    found = await session.execute(
        select(ic.text, ic.language).where(ic.org_id == org_id, ic.id.in_(list(insight_ids)))
    )
    return [(r.text, r.language) for r in found if r.text]


async def _refresh_centroid(
    session: AsyncSession, org_id: uuid.UUID, theme_id: uuid.UUID, model: str
) -> None:
    sent = await session.scalars(
        select(func.array_send(_embeddings.c.embedding))
        .select_from(
            _members.join(
                _embeddings,
                (_embeddings.c.org_id == _m.org_id) & (_embeddings.c.insight_id == _m.insight_id),
            )
        )
        .where(_m.org_id == org_id, _m.theme_id == theme_id, _embeddings.c.model == model)
    )
    found = [vectors.decode(s) for s in sent]
    centroid = [float(x) for x in clustering.centroid(np.stack(found))] if found else None
    await session.execute(
        update(_themes).where(_t.org_id == org_id, _t.id == theme_id).values(centroid=centroid)
    )


async def split_theme(
    session: AsyncSession,
    actor: Principal,
    theme_id: uuid.UUID,
    data: ThemeSplitInput,
    *,
    model: str,
    expected_version: int | None = None,
) -> SplitOut:
    """Take some of a theme's insights into a new theme of their own (pinned there)."""
    policies.require_curator(actor)
    theme = await _visible_theme(session, actor, theme_id, lock=True)
    _check_version(theme, expected_version)
    _require_active(theme)
    wanted = list(dict.fromkeys(data.insight_ids))
    readable = {r.id for r in await rows.visible_rows(session, actor, wanted)}
    members = set(
        await session.scalars(
            select(_m.insight_id).where(
                _m.org_id == actor.org_id, _m.theme_id == theme_id, _m.insight_id.in_(wanted)
            )
        )
    )
    strangers = [i for i in wanted if i not in members or i not in readable]
    if strangers:
        raise Conflict(
            "Only insights of this theme can be split off.",
            code="not_in_theme",
            extra={"insight_ids": [str(i) for i in strangers]},
        )
    if len(wanted) >= theme.member_count:
        raise InvalidInput(
            "Splitting off every insight leaves nothing behind: rename the theme instead.",
            code="split_takes_all",
        )
    now = clock.now()
    ((label_fi, label_en),) = labels.theme_labels(
        [await _member_texts(session, actor.org_id, wanted)]
    )
    new_id = uuid.uuid4()
    await session.execute(
        _themes.insert().values(
            org_id=actor.org_id,
            id=new_id,
            status=ThemeStatus.ACTIVE,
            label_fi=label_fi[:200] or "–",
            label_en=label_en[:200] or "–",
            name_fi=data.name_fi,
            name_en=data.name_en,
            named_by=actor.person_id if data.name_fi or data.name_en else None,
            curated_at=now,
            member_count=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    await session.execute(
        update(_members)
        .where(_m.org_id == actor.org_id, _m.insight_id.in_(wanted))
        .values(theme_id=new_id, pinned=True, assigned_at=now)
    )
    await _touch(session, actor.org_id, theme_id, now)
    await placement.recount(session, actor.org_id, [theme_id, new_id])
    for changed in (theme_id, new_id):
        await _refresh_centroid(session, actor.org_id, changed, model)
    await _decide(
        session,
        actor,
        theme_id,
        ThemeDecisionKind.SPLIT,
        {"new_theme_id": str(new_id), "insight_ids": [str(i) for i in wanted]},
        now,
    )
    return SplitOut(
        theme=await get_theme(session, actor, theme_id),
        new_theme=await get_theme(session, actor, new_id),
    )


async def move_insight(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: ThemeMoveInput
) -> ThemeOut:
    """Put an insight the caller may act on into a theme, for good (pinned). 404 for an
    insight out of sight, before 403 for a caller who curates no themes."""
    row = await rows.lock_for_action(session, actor, insight_id)
    policies.require_curator(actor)
    target = await _visible_theme(session, actor, data.theme_id, lock=True)
    _require_active(target)
    now = clock.now()
    before = await session.scalar(
        select(_m.theme_id).where(_m.org_id == actor.org_id, _m.insight_id == row.id)
    )
    placed = placement.placing(actor.org_id, row.id, data.theme_id, now, pinned=True)
    await session.execute(placement.PLACE_ALWAYS, [placed])
    await _touch(session, actor.org_id, data.theme_id, now)
    await placement.recount(
        session, actor.org_id, [t for t in (before, data.theme_id) if t is not None]
    )
    await _decide(
        session,
        actor,
        data.theme_id,
        ThemeDecisionKind.MOVED,
        {"insight_id": str(row.id), "from_theme_id": str(before) if before else None},
        now,
    )
    return await get_theme(session, actor, data.theme_id)


async def theme_decisions(
    session: AsyncSession, actor: Principal, theme_id: uuid.UUID
) -> list[ThemeDecisionOut]:
    """What managers decided about a theme, newest first."""
    policies.require_reader(actor)
    await _visible_theme(session, actor, theme_id)
    found = await session.execute(
        select(_decisions)
        .where(_d.org_id == actor.org_id, _d.theme_id == theme_id)
        .order_by(_d.id.desc())
        .limit(200)
    )
    return [
        ThemeDecisionOut(
            kind=r.kind,
            theme_id=r.theme_id,
            actor_id=r.actor_id,
            data=r.data,
            created_at=r.created_at,
        )
        for r in found
    ]
