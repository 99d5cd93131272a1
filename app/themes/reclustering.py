"""Re-clustering an organisation's themes, keeping what its managers decided.

A run reads every embedded insight of the organisation, finds groups afresh
(`clustering.find_themes`) and then maps the groups onto the themes that exist:

- an insight a manager placed by hand (pinned: moved, split off, or merged in) stays put;
- each new group takes over the existing theme it shares the most insights with, at most
  one group per theme, largest overlaps first, so a theme keeps its id, its manager's name
  and the routing rules that name it;
- a group that overlaps no theme becomes a new theme; a theme no group took over is
  retired, unless a manager touched it (curated), which keeps it with its pinned insights;
- a merged theme is never taken over: its insights belong to the theme it was merged into.

Reading and computing happen outside any lock; the writing transaction locks the
organisation's themes, re-reads the pins, and so never undoes a decision made meanwhile.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import numpy as np
from sqlalchemy import any_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import rows
from app.insights.models import InsightStatus
from app.platform import clock
from app.platform.db import table
from app.themes import clustering, labels, vectors
from app.themes.models import InsightEmbedding, Theme, ThemeMember, ThemeStatus

_embeddings, _themes, _members = table(InsightEmbedding), table(Theme), table(ThemeMember)
_e, _t, _m = _embeddings.c, _themes.c, _members.c

# Rows per round trip while reading vectors, and per insert while writing members.
READ_CHUNK = 5000
WRITE_CHUNK = 5000

Progress = Callable[[str, int, int], Awaitable[None]]

_VECTORS = (
    select(
        _e.insight_id,
        func.array_send(_e.embedding).label("sent"),
        rows.ic.language,
        rows.ic.text,
    )
    .select_from(
        _embeddings.join(
            rows.insights, (rows.ic.org_id == _e.org_id) & (rows.ic.id == _e.insight_id)
        )
    )
    .where(
        _e.org_id == bindparam("org_id"),
        _e.model == bindparam("model"),
        rows.ic.status != InsightStatus.MERGED,
        rows.ic.redacted_at.is_(None),
    )
    .order_by(_e.insight_id)
)
_COUNT = (
    select(func.count())
    .select_from(_embeddings)
    .where(_e.org_id == bindparam("org_id"), _e.model == bindparam("model"))
)
_MEMBERS = select(_m.insight_id, _m.theme_id, _m.pinned).where(_m.org_id == bindparam("org_id"))
_LOCK_THEMES = (
    select(_t.id, _t.status, _t.merged_into_id, _t.curated_at)
    .where(_t.org_id == bindparam("org_id"))
    .order_by(_t.id)
    .with_for_update()
)


@dataclass
class Corpus:
    ids: list[uuid.UUID] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    chunks: list[np.ndarray] = field(default_factory=list)

    def matrix(self) -> np.ndarray:
        if not self.chunks:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(self.chunks)


async def _nothing(step: str, done: int, total: int) -> None:
    return None


async def read_corpus(
    session: AsyncSession, org_id: uuid.UUID, model: str, progress: Progress = _nothing
) -> Corpus:
    total = int(await session.scalar(_COUNT, {"org_id": org_id, "model": model}) or 0)
    corpus = Corpus()
    result = await session.stream(
        _VECTORS.execution_options(yield_per=READ_CHUNK), {"org_id": org_id, "model": model}
    )
    async for chunk in result.partitions(READ_CHUNK):
        corpus.ids.extend(r.insight_id for r in chunk)
        corpus.languages.extend(r.language for r in chunk)
        corpus.texts.extend(r.text for r in chunk)
        corpus.chunks.append(vectors.decode_rows([r.sent for r in chunk]))
        await progress("reading", len(corpus.ids), total)
    return corpus


@dataclass(frozen=True, slots=True)
class Outcome:
    insights: int
    themed: int
    themes: int
    created: int
    kept: int
    retired: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _target(theme_id: uuid.UUID, merged_into: dict[uuid.UUID, uuid.UUID]) -> uuid.UUID:
    seen = set()
    while theme_id in merged_into and theme_id not in seen:
        seen.add(theme_id)
        theme_id = merged_into[theme_id]
    return theme_id


def match_groups(
    groups: dict[int, list[uuid.UUID]],
    current: dict[uuid.UUID, uuid.UUID],
    takeable: set[uuid.UUID],
) -> dict[int, uuid.UUID]:
    """Which existing theme each new group takes over: largest overlaps first, one group per
    theme. Groups without any overlap are left out (they become new themes)."""
    overlaps: list[tuple[int, str, int, uuid.UUID]] = []
    for label, members in groups.items():
        counted = Counter(current[i] for i in members if i in current)
        for theme_id, count in counted.items():
            if theme_id in takeable:
                overlaps.append((-count, str(theme_id), label, theme_id))
    taken: dict[int, uuid.UUID] = {}
    used: set[uuid.UUID] = set()
    for _, _, label, theme_id in sorted(overlaps):
        if label in taken or theme_id in used:
            continue
        taken[label] = theme_id
        used.add(theme_id)
    return taken


def _centroid(matrix: np.ndarray, indexes: Sequence[int]) -> list[float] | None:
    if not indexes:
        return None
    return [float(x) for x in clustering.centroid(matrix[list(indexes)])]


async def recluster(
    sessions: Callable[[], Any],
    org_id: uuid.UUID,
    *,
    model: str,
    progress: Progress = _nothing,
) -> Outcome:
    """Re-cluster one organisation (see the module's docstring). `sessions` opens a session
    as the table owner; the read and the write are separate transactions."""
    async with sessions() as session, session.begin():
        corpus = await read_corpus(session, org_id, model, progress)
    matrix = corpus.matrix()
    await progress("clustering", 0, len(corpus.ids))
    found = (
        await anyio.to_thread.run_sync(clustering.find_themes, matrix, corpus.languages)
        if len(corpus.ids)
        else np.zeros(0, dtype=np.int64)
    )
    await progress("clustering", len(corpus.ids), len(corpus.ids))
    async with sessions() as session, session.begin():
        outcome = await _write(session, org_id, corpus, matrix, found, progress)
    return outcome


async def _write(
    session: AsyncSession,
    org_id: uuid.UUID,
    corpus: Corpus,
    matrix: np.ndarray,
    found: np.ndarray,
    progress: Progress,
) -> Outcome:
    now = clock.now()
    themes = (await session.execute(_LOCK_THEMES, {"org_id": org_id})).all()
    merged_into = {t.id: t.merged_into_id for t in themes if t.merged_into_id is not None}
    curated = {t.id for t in themes if t.curated_at is not None and t.status != ThemeStatus.MERGED}
    takeable = {t.id for t in themes if t.status != ThemeStatus.MERGED}
    members = (await session.execute(_MEMBERS, {"org_id": org_id})).all()
    pinned = {m.insight_id: _target(m.theme_id, merged_into) for m in members if m.pinned}
    current = {m.insight_id: _target(m.theme_id, merged_into) for m in members}

    index_of = {insight_id: i for i, insight_id in enumerate(corpus.ids)}
    groups: dict[int, list[uuid.UUID]] = defaultdict(list)
    for insight_id, label in zip(corpus.ids, found.tolist(), strict=True):
        if label >= 0 and insight_id not in pinned:
            groups[int(label)].append(insight_id)
    taken = match_groups(groups, current, takeable)

    assignment: dict[uuid.UUID, uuid.UUID] = {}
    created = 0
    new_themes: list[uuid.UUID] = []
    for label, group in sorted(groups.items()):
        theme_id = taken.get(label)
        if theme_id is None:
            theme_id = uuid.uuid4()
            new_themes.append(theme_id)
            created += 1
        for insight_id in group:
            assignment[insight_id] = theme_id
    final: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for insight_id, theme_id in assignment.items():
        final[theme_id].append(insight_id)
    for insight_id, theme_id in pinned.items():
        final[theme_id].append(insight_id)

    alive = sorted(set(final) | curated, key=str)
    texts_of = [
        [
            (corpus.texts[index_of[i]], corpus.languages[index_of[i]])
            for i in final.get(theme_id, [])
            if i in index_of
        ]
        for theme_id in alive
    ]
    await progress("labelling", 0, len(alive))
    named = labels.theme_labels(texts_of) if alive else []
    for theme_id, (label_fi, label_en) in zip(alive, named, strict=True):
        indexes = [index_of[i] for i in final.get(theme_id, []) if i in index_of]
        values = {
            "label_fi": label_fi[:200] or "–",
            "label_en": label_en[:200] or "–",
            "centroid": _centroid(matrix, indexes),
            "member_count": len(final.get(theme_id, [])),
            "updated_at": now,
        }
        if theme_id in new_themes:
            await session.execute(
                _themes.insert().values(
                    org_id=org_id,
                    id=theme_id,
                    status=ThemeStatus.ACTIVE,
                    version=1,
                    created_at=now,
                    **values,
                )
            )
        else:
            await session.execute(
                update(_themes)
                .where(_t.org_id == org_id, _t.id == theme_id)
                .values(status=ThemeStatus.ACTIVE, version=_t.version + 1, **values)
            )
    retired = [t.id for t in themes if t.status == ThemeStatus.ACTIVE and t.id not in set(alive)]
    if retired:
        await session.execute(
            update(_themes)
            .where(_t.org_id == org_id, _t.id.in_(retired))
            .values(
                status=ThemeStatus.RETIRED,
                centroid=None,
                member_count=0,
                updated_at=now,
                version=_t.version + 1,
            )
        )

    # Only the insights this run saw: one embedded meanwhile keeps its place on arrival, and
    # one whose text retention removed keeps its theme for the record.
    await session.execute(
        delete(_members).where(
            _m.org_id == org_id, ~_m.pinned, _m.insight_id == any_(bindparam("seen"))
        ),
        {"seen": corpus.ids},
    )
    placed = [
        {
            "org_id": org_id,
            "insight_id": insight_id,
            "theme_id": theme_id,
            "pinned": False,
            "similarity": None,
            "assigned_at": now,
        }
        for insight_id, theme_id in assignment.items()
    ]
    for start in range(0, len(placed), WRITE_CHUNK):
        await session.execute(_members.insert(), placed[start : start + WRITE_CHUNK])
        await progress("writing", min(start + WRITE_CHUNK, len(placed)), len(placed))
    return Outcome(
        insights=len(corpus.ids),
        themed=len(assignment) + len(pinned),
        themes=len(alive),
        created=created,
        kept=len(alive) - created,
        retired=len(retired),
    )
