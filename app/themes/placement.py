"""An arriving insight joins the theme whose centroid it is nearest to, when it is near
enough (`clustering.ASSIGN_SIMILARITY`); otherwise it waits for the next re-clustering.
An insight a manager placed by hand (pinned) stays where it is."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.db import table
from app.themes import clustering, vectors
from app.themes.models import Theme, ThemeMember, ThemeStatus

_themes, _members = table(Theme), table(ThemeMember)
_t, _m = _themes.c, _members.c

_CENTROIDS = select(_t.id, func.array_send(_t.centroid).label("sent")).where(
    _t.org_id == bindparam("org_id"),
    _t.status == ThemeStatus.ACTIVE,
    _t.centroid.is_not(None),
)
_insert = insert(_members)
_replace = {
    "theme_id": _insert.excluded.theme_id,
    "pinned": _insert.excluded.pinned,
    "similarity": _insert.excluded.similarity,
    "assigned_at": _insert.excluded.assigned_at,
}
# On arrival: an insight a manager placed stays where they put it.
_PLACE = _insert.on_conflict_do_update(
    index_elements=[_m.org_id, _m.insight_id], set_=_replace, where=~_m.pinned
)
# A manager's placement wins over anything.
PLACE_ALWAYS = _insert.on_conflict_do_update(
    index_elements=[_m.org_id, _m.insight_id], set_=_replace
)


def placing(
    org_id: uuid.UUID,
    insight_id: uuid.UUID,
    theme_id: uuid.UUID,
    now: datetime,
    *,
    pinned: bool,
    similarity: float | None = None,
) -> dict[str, object]:
    return {
        "org_id": org_id,
        "insight_id": insight_id,
        "theme_id": theme_id,
        "pinned": pinned,
        "similarity": similarity,
        "assigned_at": now,
    }


async def centroids(session: AsyncSession, org_id: uuid.UUID) -> tuple[list[uuid.UUID], np.ndarray]:
    found = (await session.execute(_CENTROIDS, {"org_id": org_id})).all()
    if not found:
        return [], np.zeros((0, 0), dtype=np.float32)
    return [r.id for r in found], vectors.decode_rows([r.sent for r in found])


async def recount(session: AsyncSession, org_id: uuid.UUID, theme_ids: Sequence[uuid.UUID]) -> None:
    if not theme_ids:
        return
    counted = (
        select(func.count())
        .select_from(_members)
        .where(_m.org_id == _t.org_id, _m.theme_id == _t.id)
        .scalar_subquery()
    )
    await session.execute(
        update(_themes)
        .where(_t.org_id == org_id, _t.id.in_(list(theme_ids)))
        .values(member_count=counted)
    )


async def place_arrivals(
    session: AsyncSession,
    org_ids: Sequence[uuid.UUID],
    insight_ids: Sequence[uuid.UUID],
    matrix: np.ndarray,
    *,
    now: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Place each insight in its nearest active theme, unless a manager placed it; returns
    (organisation, insight, theme) of each placed."""
    by_org: dict[uuid.UUID, list[int]] = defaultdict(list)
    for index, org_id in enumerate(org_ids):
        by_org[org_id].append(index)
    placed: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
    for org_id, indexes in by_org.items():
        theme_ids, centres = await centroids(session, org_id)
        if not theme_ids:
            continue
        values = []
        touched: set[uuid.UUID] = set()
        for index in indexes:
            nearest, similarity = clustering.nearest_theme(matrix[index], centres)
            if similarity >= clustering.ASSIGN_SIMILARITY:
                touched.add(theme_ids[nearest])
                values.append(
                    placing(
                        org_id,
                        insight_ids[index],
                        theme_ids[nearest],
                        now,
                        pinned=False,
                        similarity=similarity,
                    )
                )
        if values:
            await session.execute(_PLACE, values)
            await recount(session, org_id, sorted(touched, key=str))
            placed.extend((org_id, v["insight_id"], v["theme_id"]) for v in values)  # type: ignore[misc]
    return placed
