"""Per-person and per-organisation rate limits: 429 with Retry-After, REST and GraphQL."""

import asyncio
import os
import uuid

import httpx
import pytest
import redis.exceptions
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.main import create_app
from app.platform import tenancy
from app.platform.db import create_engine
from app.platform.settings import Settings
from app.web.ratelimit import (
    PURGE,
    Limiter,
    PostgresStore,
    RateLimited,
    RateLimits,
    RedisStore,
    Store,
)
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
    runtime.rate_limits = rate_limits_from(runtime.settings, runtime.engine)
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


# Shared stores: two limiters with their own connections stand for two processes.

SHARED = {"person": (6, 2), "organisation": (60, 3)}


def _limits(store: Store) -> RateLimits:
    return RateLimits(
        person=Limiter("person", *SHARED["person"]),
        organisation=Limiter("organisation", *SHARED["organisation"]),
        store=store,
    )


async def _refusal(limits: RateLimits, person: object, org: object) -> RateLimited | None:
    try:
        await limits.check(person, org)
    except RateLimited as refused:
        return refused
    return None


async def _two_processes_share_a_limit(first: RateLimits, second: RateLimits) -> None:
    person, org = uuid.uuid4(), uuid.uuid4()
    # A burst of two: one through each process, the third refused by either.
    assert await _refusal(first, person, org) is None
    assert await _refusal(second, person, org) is None
    for limits in (first, second):
        refused = await _refusal(limits, person, org)
        assert refused is not None
        # One request every 10 s on average: the next may come 10 s after the burst.
        assert refused.headers["Retry-After"] == "10"
        assert refused.headers["RateLimit-Policy"] == '"person";q=6;w=60'
    # Someone else in the organisation is not held back by them, and the refused requests
    # did not count against the organisation: its burst of three has one left.
    assert await _refusal(second, uuid.uuid4(), org) is None
    refused = await _refusal(first, uuid.uuid4(), org)
    assert refused is not None
    assert refused.headers["RateLimit-Policy"] == '"organisation";q=60;w=60'
    assert refused.headers["Retry-After"] == "1"


async def test_postgres_limits_hold_across_processes(database_url: str) -> None:
    engines = [create_engine(database_url, pool_size=1) for _ in range(2)]
    first, second = (_limits(PostgresStore(engine, owned=True)) for engine in engines)
    try:
        await _two_processes_share_a_limit(first, second)
    finally:
        await first.close()
        await second.close()


async def test_postgres_rows_past_their_time_are_purged(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        limits = RateLimits(
            person=Limiter("person", 60_000, 1),
            organisation=Limiter("organisation", 0, 0),
            store=PostgresStore(engine),
        )
        person = uuid.uuid4()
        await limits.check(person, uuid.uuid4())
        await asyncio.sleep(0.01)
        async with engine.begin() as connection:
            await connection.execute(PURGE)
            left = await connection.scalar(
                text("SELECT count(*) FROM rate_limits WHERE key = :key"), {"key": str(person)}
            )
        assert left == 0
    finally:
        await engine.dispose()


async def test_a_requests_role_cannot_read_the_counts(session: AsyncSession) -> None:
    await session.execute(text(f"SET LOCAL ROLE {tenancy.ROLE}"))
    with pytest.raises(DBAPIError, match="permission denied"):
        await session.execute(text("SELECT count(*) FROM rate_limits"))


def _redis_url() -> str:
    return os.environ.get("INSIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_redis_limits_hold_across_processes() -> None:
    prefix = f"insight-test:{uuid.uuid4()}"
    first, second = (_limits(RedisStore(_redis_url(), prefix=prefix)) for _ in range(2))
    try:
        assert isinstance(first.store, RedisStore)
        try:
            await first.store.client.ping()
        except (OSError, redis.exceptions.ConnectionError) as unreachable:
            if os.environ.get("CI") == "true":
                raise
            pytest.skip(f"no Redis at {_redis_url()}: {unreachable}")
        await first.store.admit([Limiter("probe", 1, 1)], ["probe"])
        await _two_processes_share_a_limit(first, second)
        # Keys expire by themselves once their time has passed.
        ttl = await first.store.client.pttl(f"{prefix}:probe:probe")
        assert 0 < ttl <= 61_000
    finally:
        await first.close()
        await second.close()


async def test_requests_pass_uncounted_while_redis_is_out_of_reach(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = RateLimits(
        person=Limiter("person", 1, 1),
        organisation=Limiter("organisation", 1, 1),
        store=RedisStore("redis://127.0.0.1:1/0", timeout=0.2),
    )
    try:
        person, org = uuid.uuid4(), uuid.uuid4()
        for _ in range(3):
            await limits.check(person, org)
        assert "Redis is out of reach" in caplog.text
    finally:
        await limits.close()
