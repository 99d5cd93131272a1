"""The ceilings the platform is measured against (`bench/hot_paths.py`): bare FastAPI
endpoints that do the same reads and writes with raw asyncpg and nothing else (no token, no
caller lookup, no routing, no visibility rules, no audit), on the same database.

    BENCH_DSN=postgresql://... BENCH_POST='{"org_id": ..., ...}' uvicorn bench.baseline:app

- POST /insights: validates the same body as POST /api/v1/insights and inserts the insight
  row the platform would write for the poster named in BENCH_POST (unit, owner, deadlines)
  into the same `insights` table, with its indexes: one statement.
- GET /inbox: one owner unit's open insights, overdue first then newest, 50 a page by a
  keyset (`rank`, `created`, `id` of the last row of the page before), walked through
  `ix_insights_owner_inbox` (org, owner unit, created_at, id): the overdue ones, then the
  others, each newest first.
- GET /list: newest first, by the same keyset (without a rank): the insights posted in a
  unit's subtree, each unit's through `ix_insights_unit` (org, unit, created_at, id) and
  merged; with `whole=true`, every insight of the organisation.
"""

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

OPEN = ["new", "acknowledged", "in_progress"]


class Body(BaseModel):
    kind: str = Field(max_length=32)
    text: str = Field(min_length=1, max_length=5000)


class Row(BaseModel):
    id: uuid.UUID
    kind: str
    text: str
    status: str
    visibility: str
    unit_id: uuid.UUID
    shown_unit_id: uuid.UUID
    owner_unit_id: uuid.UUID
    author_id: uuid.UUID
    customer_impact: int
    ack_due_at: datetime
    respond_due_at: datetime
    overdue: bool
    endorsement_count: int
    version: int
    created_at: datetime


COLUMNS = (
    "i.id, i.kind, i.text, i.status, i.visibility, i.unit_id, i.shown_unit_id, "
    "i.owner_unit_id, i.author_id, i.customer_impact, i.ack_due_at, i.respond_due_at, "
    "i.endorsement_count, i.version, i.created_at"
)
OVERDUE = "((i.status = 'new' AND i.ack_due_at < $3) OR i.respond_due_at < $3)"
NOT_OVERDUE = "NOT ((i.status = 'new' AND i.ack_due_at < $3) OR i.respond_due_at < $3)"


def _inbox_part(condition: str, after: bool, first: int) -> str:
    keyset = f" AND (i.created_at, i.id) < (${first}, ${first + 1})" if after else ""
    return (
        f"SELECT {COLUMNS}, {'true' if condition is OVERDUE else 'false'} AS overdue "
        "FROM insights i WHERE i.org_id = $1 AND i.owner_unit_id = $2 "
        f"AND i.status = ANY($4::text[]) AND {condition}{keyset} "
        "ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
    )


# The first page; a page after an overdue row; a page after a row that is not overdue.
INBOX_FIRST = (
    f"({_inbox_part(OVERDUE, False, 0)}) UNION ALL ({_inbox_part(NOT_OVERDUE, False, 0)}) LIMIT 50"
)
INBOX_AFTER_OVERDUE = (
    f"({_inbox_part(OVERDUE, True, 5)}) UNION ALL ({_inbox_part(NOT_OVERDUE, False, 0)}) LIMIT 50"
)
INBOX_AFTER_REST = _inbox_part(NOT_OVERDUE, True, 5)

_LIST_ROW = f"{COLUMNS}, false AS overdue"
LIST_WHOLE_FIRST = (
    f"SELECT {_LIST_ROW} FROM insights i WHERE i.org_id = $1 "
    "ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
)
LIST_WHOLE_AFTER = (
    f"SELECT {_LIST_ROW} FROM insights i WHERE i.org_id = $1 "
    "AND (i.created_at, i.id) < ($2, $3) ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
)


def _list_subtree(after: bool) -> str:
    keyset = " AND (i.created_at, i.id) < ($3, $4)" if after else ""
    return (
        f"SELECT x.* FROM units u CROSS JOIN LATERAL (SELECT {_LIST_ROW} FROM insights i "
        f"WHERE i.org_id = u.org_id AND i.unit_id = u.id{keyset} "
        "ORDER BY i.created_at DESC, i.id DESC LIMIT 50) x "
        "WHERE u.org_id = $1 AND u.path LIKE $2 "
        "ORDER BY x.created_at DESC, x.id DESC LIMIT 50"
    )


LIST_SUBTREE_FIRST = _list_subtree(False)
LIST_SUBTREE_AFTER = _list_subtree(True)

INSERT = (
    "INSERT INTO insights (org_id, id, unit_id, shown_unit_id, author_id, kind, text, "
    "customer_impact, occurred_at, visibility, status, owner_unit_id, ack_due_at, "
    "respond_due_at, ack_minutes, respond_minutes, version, created_at, updated_at) "
    "VALUES ($1, $2, $3, $3, $4, $5, $6, 0, $7, 'named', 'new', $8, $9, $10, $11, $12, 1, $7, $7)"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=4, max_size=10)
    post = json.loads(os.environ.get("BENCH_POST") or "{}")
    app.state.post = {key: uuid.UUID(value) for key, value in post.items()}
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


def _rows(records: list[asyncpg.Record]) -> list[Row]:
    return [Row(**dict(r)) for r in records]


@app.post("/insights", status_code=201)
async def insert_insight(body: Body, request: Request) -> dict[str, str]:
    post = request.app.state.post
    now = datetime.now(UTC)
    row_id = uuid.uuid4()
    await request.app.state.pool.execute(
        INSERT,
        post["org_id"],
        row_id,
        post["unit_id"],
        post["author_id"],
        body.kind,
        body.text,
        now,
        post["owner_unit_id"],
        now + timedelta(hours=48),
        now + timedelta(hours=168),
        48 * 60,
        168 * 60,
    )
    return {"id": str(row_id)}


@app.get("/inbox")
async def inbox(
    request: Request,
    org: uuid.UUID,
    owner: uuid.UUID,
    now: datetime,
    rank: int | None = None,
    created: datetime | None = None,
    after: uuid.UUID | None = None,
) -> list[Row]:
    pool = request.app.state.pool
    args: list[Any] = [org, owner, now, OPEN]
    if created is None or after is None:
        return _rows(await pool.fetch(INBOX_FIRST, *args))
    statement = INBOX_AFTER_OVERDUE if rank else INBOX_AFTER_REST
    return _rows(await pool.fetch(statement, *args, created, after))


@app.get("/list")
async def newest(
    request: Request,
    org: uuid.UUID,
    path: Annotated[str | None, Query(description="The subtree's unit path.")] = None,
    created: datetime | None = None,
    after: uuid.UUID | None = None,
) -> list[Row]:
    pool = request.app.state.pool
    if path is None:
        if created is None or after is None:
            return _rows(await pool.fetch(LIST_WHOLE_FIRST, org))
        return _rows(await pool.fetch(LIST_WHOLE_AFTER, org, created, after))
    if created is None or after is None:
        return _rows(await pool.fetch(LIST_SUBTREE_FIRST, org, path + "%"))
    return _rows(await pool.fetch(LIST_SUBTREE_AFTER, org, path + "%", created, after))
