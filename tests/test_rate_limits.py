"""Per-person and per-organisation rate limits: 429 with Retry-After, REST and GraphQL."""

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from app.main import create_app
from app.platform.settings import Settings
from app.web.ratelimit import Limiter
from app.web.runtime import Runtime, rate_limits_from
from tests.factories import World, owner_after_each_request
from tests.gql.client import operation


def test_the_limiter_allows_a_burst_then_the_average_rate() -> None:
    now = [1000.0]
    limiter = Limiter("person", per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, None]
    wait = limiter.retry_after("a")
    assert wait is not None
    assert 0.9 < wait <= 1.0
    # Someone else is not held back by "a".
    assert limiter.retry_after("b") is None
    now[0] += 1.0
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("a") is not None


def test_old_keys_are_evicted() -> None:
    limiter = Limiter("person", per_minute=60, burst=1, max_keys=10)
    for key in range(100):
        limiter.retry_after(key)
    assert len(limiter._next) == 10


def test_zero_turns_a_limit_off() -> None:
    limiter = Limiter("organisation", per_minute=0, burst=0)
    assert all(limiter.retry_after("x") is None for _ in range(1000))


def _client(
    runtime: Runtime, settings: Settings, connection: AsyncConnection, **limits: int
) -> httpx.AsyncClient:
    runtime.settings = settings.model_copy(update=limits)
    runtime.rate_limits = rate_limits_from(runtime.settings)
    app = owner_after_each_request(create_app(runtime=runtime), connection)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
    )


async def test_a_person_over_the_limit_gets_429_in_their_language(
    runtime: Runtime, settings: Settings, world: World, connection: AsyncConnection
) -> None:
    async with _client(
        runtime, settings, connection, rate_limit_person_per_minute=6, rate_limit_person_burst=2
    ) as client:
        anna = await world.auth("anna")
        statuses = [(await client.get("/api/v1/inbox", headers=anna)).status_code for _ in range(2)]
        assert statuses == [403, 403]  # frontline has no inbox; the requests still count
        limited = await client.get("/api/v1/me", headers=anna)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "10"
        assert limited.headers["ratelimit-policy"] == '"person";q=6;w=60'
        problem = limited.json()
        assert problem["code"] == "rate_limited"
        assert problem["retry_after"] == 10
        assert problem["detail"] == (
            "Pyyntöjä on tullut liian tiheään; yritä uudelleen 10 sekunnin kuluttua."
        )
        # Another person is not held back.
        assert (await client.get("/api/v1/me", headers=await world.auth("mia"))).status_code == 200
        # GraphQL counts against the same limit.
        gql = await client.post("/graphql", json={"query": operation("Me")}, headers=anna)
        assert gql.json()["errors"][0]["extensions"]["code"] == "rate_limited"


async def test_an_organisation_over_its_limit_gets_429(
    runtime: Runtime, settings: Settings, world: World, connection: AsyncConnection
) -> None:
    async with _client(
        runtime, settings, connection, rate_limit_org_per_minute=60, rate_limit_org_burst=3
    ) as client:
        for who in ("anna", "mia", "rita"):
            assert (
                await client.get("/api/v1/me", headers=await world.auth(who))
            ).status_code == 200
        limited = await client.get("/api/v1/me", headers=await world.auth("aaro"))
        assert limited.status_code == 429
        assert limited.headers["ratelimit-policy"] == '"organisation";q=60;w=60'
        # The other organisation has its own allowance.
        assert (await client.get("/api/v1/me", headers=await world.auth("olli"))).status_code == 200
