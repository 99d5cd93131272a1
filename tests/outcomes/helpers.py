"""Posting imports as a person, and counting what is stored."""

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.outcomes.models import CxOutcome, DataImport, ExAggregate, ExResponse
from app.platform.db import table
from tests.factories import World

API = "/api/v1"


async def post_csv(
    client: httpx.AsyncClient,
    world: World,
    who: str,
    kind: str,
    body: str | bytes,
    *,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return await client.post(
        f"{API}/imports/{kind}/rows",
        content=content,
        params={k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()},
        headers={**await world.auth(who), "Content-Type": "text/csv", **(headers or {})},
    )


async def post_json(
    client: httpx.AsyncClient, world: World, who: str, kind: str, rows: list[Any], **params: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/imports/{kind}/rows",
        json={"rows": rows},
        params={k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()},
        headers=await world.auth(who),
    )


async def stored(session: AsyncSession) -> dict[str, int]:
    """Rows of every outcome table (the test's organisations are the only ones it sees)."""
    counts = {}
    for model in (DataImport, ExResponse, ExAggregate, CxOutcome):
        t = table(model)
        counts[t.name] = int(
            (await session.execute(select(func.count()).select_from(t))).scalar_one()
        )
    return counts


def bad_rows(response: httpx.Response) -> list[tuple[int, str | None, str]]:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "import_invalid", problem
    return [(e["line"], e["column"], e["code"]) for e in problem["errors"]]
