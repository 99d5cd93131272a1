"""Request body limits: 413 problem details before the body is used."""

from collections.abc import AsyncIterator

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight
from app.platform.db import table
from tests.factories import World

API = "/api/v1"


async def test_a_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    limit = 1024 * 1024
    body = {"kind": "observation", "text": "x" * (limit + 10)}
    response = await client.post(f"{API}/insights", json=body, headers=await world.auth("anna"))
    assert response.status_code == 413
    problem = response.json()
    assert problem["code"] == "payload_too_large"
    assert problem["limit"] == limit


async def test_a_streamed_body_without_length_is_cut_off(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"kind": "observation", "text": "'
        for _ in range(200):
            yield b"y" * 8192
        yield b'"}'

    response = await client.post(
        f"{API}/insights",
        content=chunks(),
        headers={**await world.auth("anna"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    insights = table(Insight)
    assert (await session.execute(select(func.count()).select_from(insights))).scalar_one() == 0


async def test_the_batch_path_has_room_for_a_full_queue(
    client: httpx.AsyncClient, world: World
) -> None:
    # Bigger than an ordinary request may be, within the batch allowance: not a 413.
    body = {"items": [{"type": "insight", "text": "z" * 4000}] * 500}
    response = await client.post(f"{API}/sync/batch", json=body, headers=await world.auth("anna"))
    assert response.status_code != 413
