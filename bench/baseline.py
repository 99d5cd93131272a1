"""The ceiling the platform is measured against: a bare FastAPI endpoint that validates a
1 KB body and inserts one row with raw asyncpg, and one that returns 50 rows."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field


class Body(BaseModel):
    kind: str = Field(max_length=32)
    text: str = Field(max_length=5000)


class Row(BaseModel):
    id: uuid.UUID
    kind: str
    text: str
    created_at: datetime


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    dsn = os.environ["BENCH_DSN"]
    app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline ("
            " id uuid PRIMARY KEY, kind text NOT NULL, text text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_baseline_created ON bench_baseline (created_at)"
        )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/rows", status_code=201)
async def insert_row(body: Body, request: Request) -> dict[str, str]:
    row_id = uuid.uuid4()
    await request.app.state.pool.execute(
        "INSERT INTO bench_baseline (id, kind, text) VALUES ($1, $2, $3)",
        row_id,
        body.kind,
        body.text,
    )
    return {"id": str(row_id)}


@app.get("/rows")
async def read_rows(request: Request) -> list[Row]:
    records = await request.app.state.pool.fetch(
        "SELECT id, kind, text, created_at FROM bench_baseline ORDER BY created_at DESC LIMIT 50"
    )
    return [Row(**dict(r)) for r in records]
