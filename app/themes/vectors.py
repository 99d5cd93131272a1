"""Storing insight vectors and finding an insight's nearest neighbours, on any PostgreSQL.

Where the server has pgvector, migration 0014 built an HNSW index over
`embedding::vector(384)` and the search is PostgreSQL's, with iterative index scans in
strict distance order so that scope filters do not cut the answer short. A caller who may
read only a few of the organisation's insights (up to `SMALL_REACH`, a store's manager in a
large chain) has them found by id through the insights' own indexes and all ranked, on any
server: walking the graph past everything they may not read would be slow and, at pgvector's
`hnsw.max_scan_tuples`, incomplete (bench/results/themes_scale.md). On a server
without it the same candidates are read in chunks and ranked exactly with numpy. Both rank
by the same cosine similarity of the same stored vectors, so they give the same answers
(the HNSW index may, on very large sets, miss a neighbour an exact search would find: it
is approximate by design; `hnsw.ef_search` is raised to keep that rare).
"""

import heapq
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from app.insights import policies as insight_policies
from app.insights import rows
from app.insights.models import InsightStatus
from app.org.principal import Principal
from app.platform.db import table
from app.themes.models import DIMENSIONS, InsightEmbedding

_embeddings = table(InsightEmbedding)
_e = _embeddings.c

VECTOR_INDEX = "ix_insight_embeddings_vector"
# Candidates read per round trip by the exact search: about 3 kB each.
EXACT_CHUNK = 2000
# Neighbours the HNSW scan keeps in view; higher finds more of the true nearest ones.
EF_SEARCH = 100
# A caller who may read at most this many insights has them all ranked by distance instead
# of the HNSW graph walked for them. Where the scope lets one vector in thousands through (a
# store's manager in a chain of 2,000 stores), an iterative index scan visits tens of
# thousands of vectors and, at `hnsw.max_scan_tuples`, stops short of the answer; ranking a
# few thousand found through the insights' own indexes is both faster and exact.
SMALL_REACH = 2000


class SearchMethod(StrEnum):
    PGVECTOR = "pgvector"
    EXACT = "exact"


class _Vector(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return f"vector({DIMENSIONS})"


_VECTOR = _Vector()
_HAS_INDEX = text("SELECT EXISTS (SELECT FROM pg_class WHERE relname = :name AND relkind = 'i')")
_HNSW_SETTINGS = text(
    "SELECT set_config('hnsw.iterative_scan', 'strict_order', true), "
    "set_config('hnsw.ef_search', :ef, true)"
)
_VISIBLE = insight_policies.visible_ids()
# How many insights the caller may read, counted only up to `cap` (duplicates included:
# an upper bound, which is all the choice of search needs).
_REACH = select(func.count()).select_from(
    select(_VISIBLE.subquery().c.id).limit(bindparam("cap")).subquery()
)
# The migration decides once per database; remembered per database.
_methods: dict[str, SearchMethod] = {}


async def search_method(session: AsyncSession) -> SearchMethod:
    """pgvector's index where migration 0014 could build it, else exact search."""
    connection = await session.connection()
    key = connection.engine.url.render_as_string(hide_password=True)
    if key not in _methods:
        found = await session.scalar(_HAS_INDEX, {"name": VECTOR_INDEX})
        _methods[key] = SearchMethod.PGVECTOR if found else SearchMethod.EXACT
    return _methods[key]


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


_UPSERT = insert(_embeddings)
_UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=[_e.org_id, _e.insight_id],
    set_={
        "model": _UPSERT.excluded.model,
        "embedding": _UPSERT.excluded.embedding,
        "created_at": _UPSERT.excluded.created_at,
    },
)


async def store(
    session: AsyncSession,
    org_ids: Sequence[uuid.UUID],
    insight_ids: Sequence[uuid.UUID],
    vectors: np.ndarray,
    *,
    model: str,
    now: datetime,
) -> None:
    """Keep (or replace) the vectors of these insights, one statement for the batch."""
    if not insight_ids:
        return
    await session.execute(
        _UPSERT,
        [
            {
                "org_id": org_id,
                "insight_id": insight_id,
                "model": model,
                "embedding": vector.tolist(),
                "created_at": now,
            }
            for org_id, insight_id, vector in zip(org_ids, insight_ids, vectors, strict=True)
        ],
    )


async def vector_of(
    session: AsyncSession, org_id: uuid.UUID, insight_id: uuid.UUID, model: str
) -> np.ndarray | None:
    stored = await session.scalar(
        select(func.array_send(_e.embedding)).where(
            _e.org_id == org_id, _e.insight_id == insight_id, _e.model == model
        )
    )
    return None if stored is None else decode(stored)


def decode(sent: bytes) -> np.ndarray:
    """A one-dimensional float4[] in PostgreSQL's binary form (`array_send`): a 20-byte
    header, then a 4-byte length and a big-endian float per element."""
    return np.frombuffer(sent, dtype=">f4", offset=20)[1::2].astype(np.float32)


def decode_rows(sent: Sequence[bytes]) -> np.ndarray:
    """Many vectors of one length (`decode`'s form) as the rows of one matrix, in one pass:
    each row is 5 header words, then length and value in turn."""
    words = np.frombuffer(b"".join(sent), dtype=">f4").reshape(len(sent), -1)
    return words[:, 6::2].astype(np.float32)


@dataclass(frozen=True, slots=True)
class Neighbour:
    insight_id: uuid.UUID
    similarity: float


def _candidates(
    actor: Principal,
    model: str,
    *,
    open_only: bool,
    exclude: Sequence[uuid.UUID],
    few: bool = False,
) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """The conditions on the insights the actor may read. With `few` (a small reach) the
    same set is named by id from `policies.visible_ids`, which the planner drives from the
    insights' own indexes instead of testing every insight of the organisation."""
    ic = rows.ic
    visible = (
        ic.id.in_(_VISIBLE)
        if few
        else insight_policies.visible_clause(
            ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility
        )
    )
    conditions = [
        _e.org_id == bindparam("org_id"),
        _e.model == bindparam("model"),
        visible,
        ic.status != InsightStatus.MERGED,
        ic.redacted_at.is_(None),
    ]
    if open_only:
        conditions.append(ic.status.in_(insight_policies.OPEN_STATUSES))
    if exclude:
        conditions.append(ic.id.not_in(list(exclude)))
    params = {**insight_policies.visibility_params(actor), "model": model}
    return conditions, params


def _joined(columns: Sequence[Any]) -> Select[Any]:
    ic = rows.ic
    return select(*columns).select_from(
        _embeddings.join(rows.insights, (ic.org_id == _e.org_id) & (ic.id == _e.insight_id))
    )


async def nearest(
    session: AsyncSession,
    actor: Principal,
    vector: np.ndarray,
    *,
    model: str,
    limit: int,
    min_similarity: float,
    open_only: bool = False,
    exclude: Sequence[uuid.UUID] = (),
) -> list[Neighbour]:
    """The insights the actor may read whose vectors are nearest to `vector`, most similar
    first (ties by id), at least `min_similarity` alike."""
    reach = await session.scalar(
        _REACH, {**insight_policies.visibility_params(actor), "cap": SMALL_REACH + 1}
    )
    few = reach is not None and reach <= SMALL_REACH
    conditions, params = _candidates(actor, model, open_only=open_only, exclude=exclude, few=few)
    if await search_method(session) is SearchMethod.PGVECTOR:
        found = await _nearest_indexed(session, vector, conditions, params, limit, ranked=few)
    else:
        found = await _nearest_exact(session, vector, conditions, params, limit)
    kept = [n for n in found if n.similarity >= min_similarity]
    return sorted(kept, key=lambda n: (-round(n.similarity, 6), n.insight_id))[:limit]


async def _nearest_indexed(
    session: AsyncSession,
    vector: np.ndarray,
    conditions: list[ColumnElement[bool]],
    params: dict[str, Any],
    limit: int,
    *,
    ranked: bool = False,
) -> list[Neighbour]:
    """PostgreSQL's nearest candidates: from the HNSW index, or with `ranked` (a small
    reach) every candidate ranked exactly, ordered by an expression the index does not
    serve (the same distance, plus nothing)."""
    query = cast(bindparam("query", type_=Text), _VECTOR)
    distance = cast(_e.embedding, _VECTOR).op("<=>", return_type=Float)(query)
    if ranked:
        order: ColumnElement[Any] = distance.op("+", return_type=Float)(literal_column("0"))
    else:
        await session.execute(_HNSW_SETTINGS, {"ef": str(max(EF_SEARCH, limit))})
        order = distance
    statement = (
        _joined([_e.insight_id, distance.label("distance")])
        .where(*conditions)
        .order_by(order)
        .limit(limit + 1)
    )
    result = await session.execute(statement, {**params, "query": vector_literal(vector)})
    return [Neighbour(row.insight_id, 1.0 - float(row.distance)) for row in result]


async def _nearest_exact(
    session: AsyncSession,
    vector: np.ndarray,
    conditions: list[ColumnElement[bool]],
    params: dict[str, Any],
    limit: int,
) -> list[Neighbour]:
    statement = _joined([_e.insight_id, func.array_send(_e.embedding).label("sent")]).where(
        *conditions
    )
    best: list[tuple[float, str, uuid.UUID]] = []
    query = vector.astype(np.float32)
    result = await session.stream(statement.execution_options(yield_per=EXACT_CHUNK), params)
    async for chunk in result.partitions(EXACT_CHUNK):
        ids = [row.insight_id for row in chunk]
        scores = decode_rows([row.sent for row in chunk]) @ query
        for index in np.argsort(-scores)[: limit + 1]:
            item = (float(scores[index]), str(ids[index]), ids[index])
            if len(best) <= limit:
                heapq.heappush(best, item)
            else:
                heapq.heappushpop(best, item)
    return [Neighbour(insight_id, similarity) for similarity, _, insight_id in best]
