"""Per-person and per-organisation request rates (429 with Retry-After).

A generic cell rate algorithm: each key keeps one timestamp, the theoretical arrival time
(TAT) of its next request. A request may pass when `now >= TAT + interval - burst *
interval`, and then moves the TAT on by one interval.

Where the timestamps live decides whether a limit holds across processes:

- PostgreSQL (the default): the UNLOGGED table `rate_limits`, one row per (limiter, key),
  read and moved by one atomic statement per request on its own short autocommit
  connection, with the database's clock; a periodic job removes rows whose TAT has passed.
- Redis, when `INSIGHT_REDIS_URL` is set: a Lua script does the same atomically; keys
  expire by themselves when their TAT has passed. While Redis is out of reach requests
  pass uncounted (and a warning is logged), rather than fail.
- This process only (`INSIGHT_RATE_LIMIT_STORE=process`): every process counts on its own.

The keys are opaque ids (a person's, an organisation's); no request's role can read the
table.
"""

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Double, String, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base
from app.platform.errors import DomainError

log = logging.getLogger(__name__)


class RateLimit(Base):
    """One limiter's key and its theoretical arrival time, in seconds since the epoch."""

    __tablename__ = "rate_limits"

    limiter: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: int, policy: str) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after} seconds.",
            extra={"retry_after": retry_after},
        )
        self.headers = {"Retry-After": str(retry_after), "RateLimit-Policy": policy}


@dataclass
class Limiter:
    """`per_minute` requests a minute on average, `burst` of them at once. Counts in this
    process by itself (`retry_after`); a shared store counts with its `interval` and
    `allowance`."""

    name: str
    per_minute: int
    burst: int
    max_keys: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _next: OrderedDict[object, float] = field(default_factory=OrderedDict)

    @property
    def policy(self) -> str:
        # The IETF RateLimit-Policy field: quota per window of seconds.
        return f'"{self.name}";q={self.per_minute};w=60'

    @property
    def active(self) -> bool:
        return self.per_minute > 0

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute

    @property
    def allowance(self) -> float:
        """How far ahead of now a key's TAT may be for a request to pass."""
        return max(1, self.burst) * self.interval

    def retry_after(self, key: object) -> float | None:
        """Seconds until `key` may try again, or None when this request may pass (and
        is counted)."""
        if not self.active:
            return None
        now = self.clock()
        arrival = max(self._next.get(key, now), now)
        allowed_from = arrival + self.interval - self.allowance
        if now < allowed_from:
            return allowed_from - now
        self._next[key] = arrival + self.interval
        self._next.move_to_end(key)
        if len(self._next) > self.max_keys:
            self._next.popitem(last=False)
        return None

    def refuse(self, wait: float) -> RateLimited:
        return RateLimited(max(1, math.ceil(wait - 1e-6)), self.policy)


class Store(Protocol):
    """Where the TATs are kept: counts `keys` against `limiters` in order, stopping at the
    first that refuses; returns its index and the seconds to wait, or None when all pass."""

    async def admit(
        self, limiters: Sequence[Limiter], keys: Sequence[str]
    ) -> tuple[int, float] | None: ...

    async def close(self) -> None: ...


class ProcessStore:
    """Counts in this process only."""

    async def admit(
        self, limiters: Sequence[Limiter], keys: Sequence[str]
    ) -> tuple[int, float] | None:
        for index, (limiter, key) in enumerate(zip(limiters, keys, strict=True)):
            wait = limiter.retry_after(key)
            if wait is not None:
                return index, wait
        return None

    async def close(self) -> None:
        return None


def _postgres_statement(count: int) -> Any:
    """One statement for `count` limiters: each upsert moves its TAT only when the request
    may pass, and runs only when the one before it passed. The trailing reads see the
    TATs as they were before the statement, for the wait of a refused request."""
    # Only the limiter's index is formatted in; every value is a bound parameter.
    parts = ["WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t)"]
    reads = ["(SELECT t FROM clock) AS now"]
    for i in range(count):
        after = f" WHERE EXISTS (SELECT FROM l{i - 1})" if i else ""
        moved = f"greatest(r.tat, (SELECT t FROM clock)) + :interval{i}"  # noqa: S608
        parts.append(
            f", l{i} AS (INSERT INTO rate_limits AS r (limiter, key, tat)"  # noqa: S608
            f" SELECT :name{i}, :key{i}, t + :interval{i} FROM clock{after}"
            f" ON CONFLICT (limiter, key) DO UPDATE SET tat = {moved}"
            f" WHERE {moved} - :allowance{i} <= (SELECT t FROM clock) RETURNING 1)"
        )
        reads.append(f"EXISTS (SELECT FROM l{i}) AS passed{i}")
        reads.append(
            f"(SELECT tat FROM rate_limits WHERE limiter = :name{i} AND key = :key{i})"  # noqa: S608
            f" AS tat{i}"
        )
    return text(" ".join(parts) + " SELECT " + ", ".join(reads))


# Rows whose TAT has passed say no more than a missing row.
PURGE = text("DELETE FROM rate_limits WHERE tat < extract(epoch FROM clock_timestamp())")


class PostgresStore:
    """Counts in the `rate_limits` table: one statement per request, outside the request's
    transaction, so that refused and failed requests count too."""

    def __init__(self, engine: AsyncEngine, *, owned: bool = False) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._owned = engine if owned else None
        self._statements: dict[int, Any] = {}

    async def admit(
        self, limiters: Sequence[Limiter], keys: Sequence[str]
    ) -> tuple[int, float] | None:
        count = len(limiters)
        statement = self._statements.get(count)
        if statement is None:
            statement = self._statements[count] = _postgres_statement(count)
        params: dict[str, Any] = {}
        for i, (limiter, key) in enumerate(zip(limiters, keys, strict=True)):
            params |= {
                f"name{i}": limiter.name,
                f"key{i}": key,
                f"interval{i}": limiter.interval,
                f"allowance{i}": limiter.allowance,
            }
        async with self.engine.connect() as connection:
            row = (await connection.execute(statement, params)).mappings().one()
        for i, limiter in enumerate(limiters):
            if not row[f"passed{i}"]:
                tat = row[f"tat{i}"]
                if tat is None:  # created by another request since this one began
                    return i, limiter.interval
                return i, max(tat, row["now"]) + limiter.interval - limiter.allowance - row["now"]
        return None

    async def close(self) -> None:
        if self._owned is not None:
            await self._owned.dispose()


# KEYS: one per limiter; ARGV: interval and allowance per limiter. Returns {0} when every
# limiter passes, else {its 1-based index, the seconds to wait as a string}.
GCRA_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
for i, key in ipairs(KEYS) do
    local interval = tonumber(ARGV[2 * i - 1])
    local allowance = tonumber(ARGV[2 * i])
    local tat = tonumber(redis.call('GET', key) or now)
    if tat < now then tat = now end
    if tat + interval - allowance > now then
        return {i, tostring(tat + interval - allowance - now)}
    end
    local moved = tat + interval
    redis.call('SET', key, tostring(moved), 'PX', math.ceil((moved - now) * 1000) + 1000)
end
return {0}
"""


class RedisStore:
    """Counts in Redis with one script call per request; keys expire when their TAT has
    passed."""

    def __init__(
        self, url: str, *, prefix: str = "insight:ratelimit", timeout: float = 0.5
    ) -> None:
        # Imported only when Redis counts: the client loads OpenTelemetry's SDK when it
        # finds it installed, which a process that does not trace never needs.
        import redis.asyncio as redis
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        self.unreachable = (RedisConnectionError, RedisTimeoutError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.script = self.client.register_script(GCRA_LUA)
        self.prefix = prefix

    async def admit(
        self, limiters: Sequence[Limiter], keys: Sequence[str]
    ) -> tuple[int, float] | None:
        args: list[float] = []
        for limiter in limiters:
            args += [limiter.interval, limiter.allowance]
        names = [
            f"{self.prefix}:{limiter.name}:{key}"
            for limiter, key in zip(limiters, keys, strict=True)
        ]
        try:
            answer = await self.script(keys=names, args=args)
        except self.unreachable as exc:
            # A limiter out of reach does not stop the API: the request passes uncounted.
            log.warning("rate limits not counted: Redis is out of reach (%s)", type(exc).__name__)
            return None
        if int(answer[0]) == 0:
            return None
        return int(answer[0]) - 1, float(answer[1])

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class RateLimits:
    person: Limiter
    organisation: Limiter
    store: Store = field(default_factory=ProcessStore)

    async def check(self, person_id: object, org_id: object) -> None:
        pairs = [
            (limiter, str(key))
            for limiter, key in ((self.person, person_id), (self.organisation, org_id))
            if limiter.active
        ]
        if not pairs:
            return
        limiters = [limiter for limiter, _ in pairs]
        refused = await self.store.admit(limiters, [key for _, key in pairs])
        if refused is not None:
            index, wait = refused
            raise limiters[index].refuse(wait)

    async def close(self) -> None:
        await self.store.close()
