"""Faults: PostgreSQL restarts and connection resets under a load of retried posts.

The application talks to the database through a fault proxy (see `proxy`). Phones post
insights with their own ids and Idempotency-Keys and, as the mobile app does, retry a
post that failed with the same key and body until it is acknowledged. While they do, the
proxy resets every connection a few times and takes the database away for a moment.
Afterwards every acknowledged post is stored exactly once, the errors the phones saw are
few and close to the faults, and /readyz said so while the database was away. The task
queue's worker, its connections broken the same way, runs the jobs deferred afterwards.
"""

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights.models import Insight
from app.jobs import build_queue, run_worker
from app.main import create_app
from app.platform import clock
from app.platform.db import create_engine, session_factory, table
from app.platform.settings import Settings
from app.web.idempotency import middleware
from app.web.idempotency.models import IdempotencyKey, KeyState
from app.web.runtime import Runtime
from tests.factories import World
from tests.faults.proxy import FaultProxy
from tests.gql.client import operation

API = "/api/v1"
PHONES = 8
POSTS_PER_PHONE = 50
# Who holds each phone: every frontline person of both organisations.
HOLDERS = ("anna", "aku", "ben", "cecilia", "olli")
OUTAGE_SECONDS = 1.5
# What is done once so many posts have been acknowledged.
PLAN: tuple[tuple[int, str], ...] = (
    (40, "reset"),
    (90, "reset"),
    (140, "outage"),
    (220, "reset"),
    (300, "reset"),
)
# How long after a fault a phone may still see errors: generous, for a loaded machine.
ERROR_GRACE_SECONDS = 5.0
# The whole run; without faults it takes a few seconds.
RUN_SECONDS = 45.0

insights = table(Insight)
keys = table(IdempotencyKey)


@dataclass
class Faulty:
    world: World
    sessions: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    proxy: FaultProxy


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[FaultProxy]:
    proxy = FaultProxy.for_url(database_url)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def faulty(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    settings: Settings,
    database_url: str,
    proxy: FaultProxy,
) -> AsyncIterator[Faulty]:
    """An application whose database connections all pass through the proxy."""
    world, sessions = committed
    url = proxy.url(database_url)
    # Phones post as fast as they can: no rate limit gets in the way.
    settings = settings.model_copy(
        update={
            "database_url": url,
            "rate_limit_person_per_minute": 100_000,
            "rate_limit_person_burst": 10_000,
        }
    )
    engine = create_engine(url, pool_size=10)
    runtime = Runtime.build(settings, engine=engine)
    world = dataclasses.replace(world, runtime=runtime)
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield Faulty(world, sessions, client, proxy)
    await engine.dispose()
    async with sessions() as session:
        await session.execute(delete(keys))
        await session.commit()


@dataclass
class Run:
    started: float
    acknowledged: dict[uuid.UUID, int] = field(default_factory=dict)
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    # (seconds since the start, what the phone saw) for every failed attempt.
    errors: list[tuple[float, str]] = field(default_factory=list)
    # (start, end) of each fault, in seconds since the start.
    faults: list[tuple[float, float]] = field(default_factory=list)
    ready: list[tuple[float, int]] = field(default_factory=list)
    attempts: int = 0

    def now(self) -> float:
        return asyncio.get_running_loop().time() - self.started

    def acknowledge(self, insight_id: uuid.UUID, status: int) -> None:
        self.acknowledged[insight_id] = status
        self.progress.set()

    async def acknowledged_at_least(self, count: int) -> None:
        while len(self.acknowledged) < count:
            self.progress.clear()
            await self.progress.wait()


async def _phone(client: httpx.AsyncClient, headers: dict[str, str], phone: int, run: Run) -> None:
    """Post one insight after another; retry each with its key until it is acknowledged."""
    for n in range(POSTS_PER_PHONE):
        insight_id = uuid.uuid4()
        body = {
            "id": str(insight_id),
            "kind": "observation",
            "text": f"Puhelin {phone}, havainto {n}: kylmäkaapin ovi jää auki.",
        }
        sent = {**headers, "Idempotency-Key": f"phone-{phone}-{insight_id}"}
        backoff = 0.05
        while True:
            run.attempts += 1
            try:
                response = await client.post(f"{API}/insights", json=body, headers=sent)
            except Exception as exc:
                # What a phone sees of a dropped request or a crash: no answer.
                seen = type(exc).__name__
            else:
                if response.status_code in (200, 201):
                    assert response.json()["id"] == str(insight_id)
                    run.acknowledge(insight_id, response.status_code)
                    break
                # Anything but a temporary failure is a bug, not a fault.
                assert response.status_code == 409 or response.status_code >= 500, response.text
                seen = f"{response.status_code} {response.json().get('code')}"
            run.errors.append((run.now(), seen))
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 0.5)


async def _probe_ready(client: httpx.AsyncClient, run: Run, until: asyncio.Event) -> None:
    while not until.is_set():
        response = await client.get("/readyz")
        run.ready.append((run.now(), response.status_code))
        await asyncio.sleep(0.05)


async def _inject(faulty: Faulty, run: Run) -> None:
    for after, fault in PLAN:
        await run.acknowledged_at_least(after)
        start = run.now()
        if fault == "reset":
            faulty.proxy.reset()
        else:
            probed = asyncio.Event()
            probe = asyncio.create_task(_probe_ready(faulty.client, run, probed))
            await faulty.proxy.outage(OUTAGE_SECONDS)
            probed.set()
            await probe
        run.faults.append((start, run.now()))


async def _until_ready(client: httpx.AsyncClient, run: Run) -> None:
    for _ in range(100):
        status = (await client.get("/readyz")).status_code
        run.ready.append((run.now(), status))
        if status == 200:
            return
        await asyncio.sleep(0.1)


def _errors_per_fault(run: Run) -> list[int]:
    """How many errors came after each fault, before the next one."""
    counts = [0] * len(run.faults)
    for at, _ in run.errors:
        after = [n for n, (start, _) in enumerate(run.faults) if start <= at]
        if after:
            counts[after[-1]] += 1
    return counts


def _ready_changes(run: Run) -> list[tuple[float, int]]:
    """When /readyz changed its answer."""
    changes: list[tuple[float, int]] = []
    for at, status in run.ready:
        if not changes or changes[-1][1] != status:
            changes.append((round(at, 2), status))
    return changes


def _figures(faulty: Faulty, run: Run, stored: dict[uuid.UUID, int], total: int) -> dict[str, Any]:
    error_times = [at for at, _ in run.errors]
    kinds: dict[str, int] = {}
    for _, seen in run.errors:
        kinds[seen] = kinds.get(seen, 0) + 1
    return {
        "posts": PHONES * POSTS_PER_PHONE,
        "attempts": run.attempts,
        "acknowledged": len(run.acknowledged),
        "acknowledged_200": sum(1 for s in run.acknowledged.values() if s == 200),
        "stored_ids": len(stored),
        "stored_rows": sum(stored.values()),
        "rows_in_world": total,
        "errors": len(run.errors),
        "error_kinds": kinds,
        "error_window": (
            (round(min(error_times), 2), round(max(error_times), 2)) if error_times else None
        ),
        "faults": [(round(start, 2), round(end, 2)) for start, end in run.faults],
        "errors_after_each_fault": _errors_per_fault(run),
        "readyz": _ready_changes(run),
        "proxy_connections_accepted_aborted": (faulty.proxy.accepted, faulty.proxy.aborted),
        "seconds": round(run.now(), 1),
    }


async def _stored(faulty: Faulty, ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, int], int]:
    """How many rows each id has, and how many insights the world has."""
    world = faulty.world
    async with faulty.sessions() as session:
        stored = {
            row[0]: row[1]
            for row in await session.execute(
                select(insights.c.id, func.count())
                .where(insights.c.id.in_(ids))
                .group_by(insights.c.id)
            )
        }
        total = (
            await session.execute(
                select(func.count())
                .select_from(insights)
                .where(insights.c.org_id.in_([world.kauppa.id, world.pankki.id]))
            )
        ).scalar_one()
    return stored, int(total)


async def test_posts_survive_restarts_and_resets(faulty: Faulty) -> None:
    world, client = faulty.world, faulty.client
    headers = [await world.auth(HOLDERS[phone % len(HOLDERS)]) for phone in range(PHONES)]
    run = Run(started=asyncio.get_running_loop().time())
    try:
        async with asyncio.timeout(RUN_SECONDS):
            injector = asyncio.create_task(_inject(faulty, run))
            await asyncio.gather(*(_phone(client, headers[p], p, run) for p in range(PHONES)))
            await injector
            await _until_ready(client, run)
    finally:
        stored, total = await _stored(faulty, list(run.acknowledged))
        print("fault run:", _figures(faulty, run, stored, total))

    # Nothing lost, nothing doubled: every post was acknowledged once its phone kept
    # trying, and each is stored once.
    assert len(run.acknowledged) == PHONES * POSTS_PER_PHONE
    assert set(stored) == set(run.acknowledged)
    assert all(count == 1 for count in stored.values())
    assert total == PHONES * POSTS_PER_PHONE
    # Every key was settled with its response; none is left held.
    async with faulty.sessions() as session:
        held = await session.scalar(
            select(func.count()).select_from(keys).where(keys.c.state != KeyState.DONE)
        )
    assert held == 0
    # Errors were few, each a clean 503 (or 409 while a retry waited), and every one
    # came with a fault.
    assert len(run.errors) <= 40 * PHONES
    assert all(seen.startswith(("503 service_unavailable", "409")) for _, seen in run.errors)
    for at, seen in run.errors:
        assert any(start <= at <= end + ERROR_GRACE_SECONDS for start, end in run.faults), (
            at,
            seen,
            run.faults,
        )
    # /readyz said "unavailable" while the database was away, and "ready" after.
    outage = next(
        times for times, (_, kind) in zip(run.faults, PLAN, strict=True) if kind == "outage"
    )
    assert 503 in {status for at, status in run.ready if outage[0] <= at <= outage[1]}
    assert run.ready[-1][1] == 200


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "service_unavailable"


async def test_requests_while_the_database_is_away_get_503_to_retry(faulty: Faulty) -> None:
    world, client = faulty.world, faulty.client
    headers = await world.auth("anna")
    body = {"kind": "idea", "text": "Kassalle toinen korttimaksupääte."}
    assert (await client.get(f"{API}/insights", headers=headers)).status_code == 200
    await faulty.proxy.down()
    try:
        _assert_unavailable(await client.get(f"{API}/insights", headers=headers))
        _assert_unavailable(await client.post(f"{API}/insights", json=body, headers=headers))
        keyed = {**headers, "Idempotency-Key": "while-away"}
        _assert_unavailable(await client.post(f"{API}/insights", json=body, headers=keyed))
        # GraphQL answers 200 with the same code, as it does for every error.
        mutation = {
            "query": operation("PostInsight"),
            "variables": {"input": {"kind": "IDEA", "text": body["text"]}},
        }
        answer = (await client.post("/graphql", json=mutation, headers=headers)).json()
        assert answer["errors"][0]["extensions"] == {"code": "service_unavailable", "status": 503}
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.get("/healthz")).status_code == 200
    finally:
        await faulty.proxy.up()
    # Back: the retry with the same key runs at once, as a first request.
    again = await client.post(f"{API}/insights", json=body, headers=keyed)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert (await client.get("/readyz")).status_code == 200


async def test_a_key_whose_request_lost_the_database_is_freed_for_its_retry(
    faulty: Faulty, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, client = faulty.world, faulty.client
    headers = {**await world.auth("anna"), "Idempotency-Key": "lost-midway"}
    body = {"id": str(uuid.uuid4()), "kind": "observation", "text": "Pakastin hälyttää."}
    finish = middleware._finish

    async def database_goes_away(*args: Any) -> Any:
        # The insight is written; the response is about to be stored with it.
        await faulty.proxy.down()
        return await finish(*args)

    monkeypatch.setattr(middleware, "_finish", database_goes_away)
    _assert_unavailable(await client.post(f"{API}/insights", json=body, headers=headers))
    monkeypatch.setattr(middleware, "_finish", finish)
    async with faulty.sessions() as session:
        # The key could not be freed while the database was away...
        state = await session.scalar(select(keys.c.state).where(keys.c.key == "lost-midway"))
        assert state == KeyState.RUNNING
    await faulty.proxy.up()

    # ...and is freed as soon as it is back: the retry need not wait out the lease.
    loop = asyncio.get_running_loop()
    began = loop.time()
    retry = await client.post(f"{API}/insights", json=body, headers=headers)
    took = loop.time() - began
    assert retry.status_code == 201, retry.text
    assert took < faulty.world.runtime.settings.idempotency_wait_seconds / 2
    async with faulty.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(insights).where(insights.c.id == body["id"])
        )
    assert count == 1


async def _job_done(queue: Any, job_id: int, seconds: float) -> bool:
    """Whether the job succeeded (a worker deletes the jobs that did) within `seconds`."""
    for _ in range(int(seconds / 0.1)):
        if not list(await queue.job_manager.list_jobs_async(id=job_id)):
            return True
        await asyncio.sleep(0.1)
    return False


async def _expired_key(sessions: async_sessionmaker[AsyncSession], name: str) -> None:
    past = clock.now() - timedelta(days=2)
    async with sessions() as session:
        await session.execute(
            keys.insert().values(
                scope="faults",
                key=name,
                fingerprint="0" * 64,
                state=KeyState.DONE,
                claim=uuid.uuid4(),
                locked_until=past,
                expires_at=past,
                created_at=past,
            )
        )
        await session.commit()


async def test_the_worker_runs_jobs_again_after_the_database_comes_back(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    database_url: str,
    proxy: FaultProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, sessions = committed
    url = proxy.url(database_url)
    engine = create_engine(url, pool_size=2)
    # The worker reaches the database through the proxy; the jobs are deferred directly.
    queue, direct = build_queue(url), build_queue(database_url)
    async with sessions() as session:
        marks = (
            await session.execute(
                text(
                    "SELECT (SELECT coalesce(max(id), 0) FROM procrastinate.procrastinate_jobs),"
                    " (SELECT coalesce(max(id), 0) FROM procrastinate.procrastinate_workers)"
                )
            )
        ).one()
    caplog.set_level(logging.WARNING, logger="app.platform.queue")
    try:
        async with queue.open_async(), direct.open_async():
            worker = asyncio.create_task(
                run_worker(
                    queue,
                    session_factory(engine),
                    install_signal_handlers=False,
                    restart_delays=(0.2, 1.0),
                )
            )
            purge = direct.configure_task("purge_idempotency_keys")
            assert await _job_done(direct, await purge.defer_async(), seconds=20)

            # Its connections are reset, and the database restarts.
            proxy.reset()
            await asyncio.sleep(0.2)
            await proxy.outage(OUTAGE_SECONDS)
            proxy.reset()

            # A job deferred afterwards runs, with no one restarting the worker.
            await _expired_key(sessions, "expired-during-faults")
            assert await _job_done(direct, await purge.defer_async(), seconds=30)
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).select_from(keys).where(keys.c.scope == "faults")
                )
            assert left == 0
            assert not worker.done()
            assert any("starting it again" in r.getMessage() for r in caplog.records)
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
    finally:
        await engine.dispose()
        # Leave no jobs (the periodic ones this worker deferred) nor workers to other tests.
        jobs_before, workers_before = marks
        async with sessions() as session:
            # The queue's triggers name its tables without their schema.
            await session.execute(text("SET LOCAL search_path = procrastinate"))
            for statement, mark in (
                ("DELETE FROM procrastinate_periodic_defers WHERE job_id > :mark", jobs_before),
                ("DELETE FROM procrastinate_jobs WHERE id > :mark", jobs_before),
                ("DELETE FROM procrastinate_workers WHERE id > :mark", workers_before),
            ):
                await session.execute(text(statement), {"mark": mark})
            await session.commit()
