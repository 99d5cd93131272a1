"""The platform as several operating-system processes on one database: `insight serve` and
`insight worker` started as a person starts them (tests/processes.py)."""

import asyncio
import dataclasses
import json
import re
import signal
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.jobs import build_queue
from app.platform.db import create_engine
from app.platform.settings import Settings
from app.tables import metadata
from app.web.runtime import Runtime
from tests.factories import Live, World
from tests.processes import Process, environment, ready, serve, work
from tests.servers import serving

pytestmark = pytest.mark.processes

API = "/api/v1"


@pytest.fixture
async def signed(
    committed: tuple[World, async_sessionmaker[AsyncSession]], settings: Settings, database_url: str
) -> AsyncIterator[World]:
    """The committed world, with tokens whose keys are committed: any process reads them."""
    world, _ = committed
    engine = create_engine(database_url, pool_size=2)
    yield dataclasses.replace(world, runtime=Runtime.build(settings, engine=engine))
    async with engine.begin() as conn:
        await conn.execute(delete(metadata.tables["idempotency_keys"]))
    await engine.dispose()


async def test_sigterm_lets_a_request_in_flight_finish_refuses_new_ones_and_exits_0(
    signed: World, database_url: str, tmp_path: Path
) -> None:
    bound = 10.0
    api = serve("api", environment(database_url, tmp_path, shutdown_seconds=str(bound)), tmp_path)
    port = int(api.url.rsplit(":", 1)[1])
    body = json.dumps({"kind": "idea", "text": "Hyllyjen väliin lisää tilaa."}).encode()
    head = (
        f"POST {API}/insights HTTP/1.1\r\nHost: testserver\r\n"
        f"Authorization: {(await signed.auth('anna'))['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    try:
        # A slow client: the head and part of the body, the rest after SIGTERM.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + body[:10])
        await writer.drain()
        await asyncio.sleep(0.5)
        began = time.monotonic()
        api.popen.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)
        # New connections are refused while the request in flight goes on.
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        assert api.popen.poll() is None
        writer.write(body[10:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=bound)
        writer.close()
        status = answer.split(b"\r\n", 1)[0]
        assert status == b"HTTP/1.1 201 Created", answer[:500]
        code = await asyncio.to_thread(api.popen.wait, bound + 5)
        took = time.monotonic() - began
        assert code == 0, api.output()
        assert took < bound, took
        print(f"\nSIGTERM to exit 0: {took:.1f} s, with a request in flight (bound {bound:.0f} s)")
    finally:
        if api.popen.poll() is None:
            api.stop(signal.SIGKILL)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_serve_workers_runs_that_many_processes_on_one_port_and_stops_them(
    signed: World, database_url: str, tmp_path: Path
) -> None:
    api = serve("api", environment(database_url, tmp_path, **PERSON_LIMITS), tmp_path, workers=2)
    try:
        served = _children(api.popen.pid)
        assert len(served) == 2
        # Both answer on the one port, and count one person's requests together.
        anna = await signed.auth("anna")
        async with httpx.AsyncClient(headers={"Host": "testserver"}) as http:
            statuses = []
            for _ in range(32):
                # A new connection each time: the kernel hands them to either process.
                answer = await http.get(
                    f"{api.url}{API}/me", headers={**anna, "Connection": "close"}
                )
                statuses.append(answer.status_code)
        assert statuses == [200] * 30 + [429] * 2
        code = await asyncio.to_thread(api.stop, signal.SIGTERM, 20)
        assert code == 0, api.output()
        assert not any(_running(pid) for pid in served)
    finally:
        if api.popen.poll() is None:
            api.stop(signal.SIGKILL)


class AlwaysReceives:
    """A webhook receiver that takes every delivery (204) and keeps its message id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def hook(self, request: Request) -> Response:
        await request.body()
        with self.lock:
            self.ids.append(request.headers["webhook-id"])
        return Response(status_code=204)


POSTERS = ("anna", "aku", "ben", "cecilia")
POSTS_EACH = 8
JOBS = 40
# Each person may send a burst of 30 requests, then one every 10 s.
PERSON_LIMITS = {"rate_limit_person_per_minute": "6", "rate_limit_person_burst": "30"}


async def _count(connection: AsyncConnection, query: str, **params: object) -> int:
    return int((await connection.execute(text(query), params)).scalar_one())


async def test_two_api_processes_and_two_workers_lose_and_double_nothing(
    signed: World, database_url: str, tmp_path: Path
) -> None:
    world = signed
    env = environment(database_url, tmp_path, **PERSON_LIMITS)
    receiver = AlwaysReceives()
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    started = time.monotonic()
    processes = []
    engine = create_engine(database_url, pool_size=2)
    queue = build_queue(database_url)
    try:
        with serving(app) as receiver_url:
            # All four start at once.
            apis = [serve(f"api-{i}", env, tmp_path, wait=False) for i in (1, 2)]
            workers = [work(f"worker-{i}", env, tmp_path, wait=False) for i in (1, 2)]
            processes += apis + workers
            for process in processes:
                await asyncio.to_thread(ready, process)
            up = time.monotonic()
            async with httpx.AsyncClient(timeout=30, headers={"Host": "testserver"}) as http:
                subscribed = await http.post(
                    f"{apis[0].url}{API}/webhooks",
                    json={"url": f"{receiver_url}/hook", "event_types": ["posted"]},
                    headers=await world.auth("aaro"),
                )
                assert subscribed.status_code == 201, subscribed.text

                # The load: posts with Idempotency-Keys, spread over both processes; every
                # other one is sent again to the other process, as a client retries after
                # a lost answer.
                requests = 1
                answers: dict[str, set[str]] = {}

                async def post(who: str, n: int) -> None:
                    nonlocal requests
                    key = f"{who}-{n}-{uuid.uuid4()}"
                    body = {"kind": "complaint", "text": f"Kassajono {n} on liian pitkä."}
                    headers = {**await world.auth(who), "Idempotency-Key": key}
                    first, other = apis[n % 2], apis[(n + 1) % 2]
                    ids = set()
                    for target in (first, other) if n % 2 == 0 else (first,):
                        made = await http.post(
                            f"{target.url}{API}/insights", json=body, headers=headers
                        )
                        requests += 1
                        assert made.status_code == 201, made.text
                        ids.add(made.json()["id"])
                    answers[key] = ids

                began = time.monotonic()
                await asyncio.gather(*(post(who, n) for who in POSTERS for n in range(POSTS_EACH)))
                load_seconds = time.monotonic() - began
                # A retry answers what the first request made: one insight per key.
                assert all(len(ids) == 1 for ids in answers.values())
                insight_ids = {next(iter(ids)) for ids in answers.values()}
                assert len(insight_ids) == len(POSTERS) * POSTS_EACH

                # A person's limit holds across both processes: a burst of 30 in all, not
                # 30 in each.
                statuses: list[int] = []
                retry_after: set[str] = set()
                olli = await world.auth("olli")
                for n in range(34):
                    answer = await http.get(f"{apis[n % 2].url}{API}/me", headers=olli)
                    statuses.append(answer.status_code)
                    if answer.status_code == 429:
                        retry_after.add(answer.headers["retry-after"])
                requests += 34
                assert statuses == [200] * 30 + [429] * 4
                # The next request may come 10 s after the first of the burst.
                assert all(8 <= int(seconds) <= 10 for seconds in retry_after), retry_after

            # Jobs deferred beside the load: each runs once, on one worker or the other.
            async with queue.open_async():
                job_ids = [
                    await queue.configure_task("purge_rate_limits").defer_async(timestamp=0)
                    for _ in range(JOBS)
                ]
                deadline = time.monotonic() + 40
                async with engine.connect() as connection:
                    while True:
                        delivered = await _count(
                            connection,
                            "SELECT count(*) FROM webhook_deliveries"
                            " WHERE org_id = :org AND state = 'succeeded'",
                            org=world.kauppa.id,
                        )
                        left = await _count(
                            connection,
                            "SELECT count(*) FROM procrastinate.procrastinate_jobs"
                            " WHERE id = ANY(:ids)",
                            ids=job_ids,
                        )
                        if (delivered >= len(insight_ids) and left == 0) or (
                            time.monotonic() > deadline
                        ):
                            break
                        await asyncio.sleep(0.5)
                    deliveries = await _count(
                        connection,
                        "SELECT count(*) FROM webhook_deliveries WHERE org_id = :org",
                        org=world.kauppa.id,
                    )
                    insights = await _count(
                        connection,
                        "SELECT count(*) FROM insights WHERE org_id = :org",
                        org=world.kauppa.id,
                    )
                    notifications = await _count(
                        connection,
                        "SELECT count(*) FROM notifications WHERE org_id = :org",
                        org=world.kauppa.id,
                    )
                    doubled = await _count(
                        connection,
                        "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE org_id = :org"
                        " GROUP BY person_id, kind, insight_id HAVING count(*) > 1) d",
                        org=world.kauppa.id,
                    )
                    unnotified = await _count(
                        connection,
                        "SELECT count(*) FROM insights i WHERE org_id = :org AND NOT EXISTS"
                        " (SELECT FROM notifications n WHERE n.org_id = i.org_id"
                        " AND n.insight_id = i.id)",
                        org=world.kauppa.id,
                    )
            finished = time.monotonic()
        for worker in workers:
            assert worker.stop() == 0, worker.output()
        for api in apis:
            assert api.stop() == 0, api.output()

        assert left == 0
        assert insights == len(insight_ids)
        # Every insight told someone, and no one twice of the same thing.
        assert notifications >= insights
        assert unnotified == 0
        assert doubled == 0
        # One delivery per posted insight, each received exactly once.
        assert deliveries == delivered == insights
        assert len(receiver.ids) == len(set(receiver.ids)) == deliveries
        # Each deferred job ran exactly once, on one of the two workers.
        ran: dict[int, int] = {}
        per_worker = []
        for worker in workers:
            mine = [
                int(found)
                for found in re.findall(
                    r"purge_rate_limits\[(\d+)\]\([^)]*\) ended with status: Success",
                    worker.output(),
                )
                if int(found) in job_ids
            ]
            per_worker.append(len(mine))
            for job_id in mine:
                ran[job_id] = ran.get(job_id, 0) + 1
        assert ran == dict.fromkeys(job_ids, 1)
        print(
            f"\n2 API processes and 2 workers (started in {up - started:.1f} s): "
            f"{requests} requests ({len(answers)} posts, {len(answers) // 2} of them retried "
            f"on the other process, 34 rate-limit probes) in {load_seconds:.1f} s; "
            f"{insights} insights, {notifications} notifications, {deliveries} webhook "
            f"deliveries received once each; {JOBS} jobs run once each "
            f"({per_worker[0]} + {per_worker[1]}); {finished - started:.1f} s in all"
        )
    finally:
        for process in processes:
            if process.popen.poll() is None:
                process.stop(signal.SIGKILL)
        await engine.dispose()


class Hangs:
    """A webhook receiver that holds every request for `seconds` before answering 204."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ids: list[str] = []

    async def hook(self, request: Request) -> Response:
        self.ids.append(request.headers["webhook-id"])
        await asyncio.sleep(self.seconds)
        return Response(status_code=204)


def _wait_for(found: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not found():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.1)


async def test_a_job_of_a_worker_killed_mid_job_is_run_once_by_another(
    live: Live, database_url: str, tmp_path: Path
) -> None:
    world, _, client = live
    world.runtime.settings = world.runtime.settings.model_copy(
        update={"webhook_allow_loopback": True}
    )
    receiver = Hangs(seconds=15)
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    env = environment(database_url, tmp_path, stalled_job_seconds="2")
    processes: list[Process] = []
    try:
        with serving(app) as receiver_url:
            subscribed = await client.post(
                f"{API}/webhooks",
                json={"url": f"{receiver_url}/hook", "event_types": ["posted"]},
                headers=await world.auth("aaro"),
            )
            assert subscribed.status_code == 201, subscribed.text
            posted = await client.post(
                f"{API}/insights",
                json={"kind": "idea", "text": "Kylmäkaappiin lisää hyllyjä."},
                headers=await world.auth("anna"),
            )
            assert posted.status_code == 201, posted.text
            first = work("worker-1", env, tmp_path)
            processes.append(first)
            # The first worker is in the middle of a delivery: kill it there.
            await asyncio.to_thread(_wait_for, lambda: receiver.ids, 30, "delivery")
            started = re.findall(r"Starting job deliver_webhooks\[(\d+)\]", first.output())
            assert started
            job_id = int(started[-1])
            first.stop(signal.SIGKILL)
            # Its heartbeat goes stale; the next worker to start puts the job back and runs it.
            await asyncio.sleep(2.5)
            second = work("worker-2", env, tmp_path)
            processes.append(second)
            done = rf"deliver_webhooks\[{job_id}\]\([^)]*\) ended with status: Success"
            await asyncio.to_thread(
                _wait_for, lambda: re.search(done, second.output()), 30, "retried job"
            )
            assert len(re.findall(done, second.output())) == 1
            assert "queued again" in second.output()
            assert second.stop() == 0, second.output()
    finally:
        for process in processes:
            if process.popen.poll() is None:
                process.stop(signal.SIGKILL)
