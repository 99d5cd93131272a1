"""The platform at a chain's scale, side by side with bare endpoints (issue 13).

    .venv/bin/python bench/hot_paths.py [--seconds 8] [--skip-build] [--only inbox,list]
        [--insights 1000000] [--no-record]

Needs `wrk` (Debian: apt-get install wrk; `make bench` installs it). Uses INSIGHT_DATABASE_URL's
server or the embedded one. It builds (or reuses) the million-insight database with
`bench/scale_data.py`, a small one (`insight_bench`: one store, its manager, one frontline
person), and runs, each against its bare ceiling (`bench/baseline.py`: FastAPI + asyncpg
doing the same read or write with nothing else) in the same run:

1. post: POST /api/v1/insights at 32 connections on the small and the million database, and
   one at a time on the million database; the API process's CPU per post.
2. inbox: GET /api/v1/inbox?limit=50 for the store, region and company managers, first and
   twentieth page (cursors walked through the API), unloaded (1 connection: p50, p99) and at
   8 connections (req/s); the bare endpoint walks `ix_insights_owner_inbox` in page order.
3. list: GET /api/v1/insights?limit=50 the same way; the bare endpoint reads newest first.
4. graphql: `inbox(first: 50)` as the region manager, list fields and with actions, answers
   and attachments, req/s against REST /inbox?limit=50; statements per request for pages of
   10, 50 and 100 (in process, counted on the engine).
5. sync: POST /api/v1/sync/batch of 500 new insights, rows/s against asyncpg executemany of
   the same 500 rows.
6. metrics: GET /api/v1/metrics/listening for the whole company, by unit, weekly, over 365
   and 30 days: wall time.
7. statements: statements per POST /insights with and without an Idempotency-Key (in
   process); the API process's resident memory at start and after the load.
8. plans: EXPLAIN (ANALYZE, BUFFERS) of the statements the inbox, the list and the GraphQL
   inbox run, captured in process, to bench/results/plans/<date>-<scenario>.txt.

Each API runs as one uvicorn process, as in production, with wrk on the same machine.
Prints one table (scenario, platform, bare ceiling, ratio, the issue's target, met) and
appends it with date, commit, machine and load to bench/results/scale.md. What the load
posted into the million database is deleted at the end, so the database stays reusable.
"""

import argparse
import asyncio
import base64
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.tokens import BuiltinKeys, issue_access_token  # noqa: E402
from app.insights import posting  # noqa: E402
from app.insights.models import InsightKind  # noqa: E402
from app.insights.schemas import InsightCreate  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.org.models import Role, UnitKind  # noqa: E402
from app.platform.db import create_engine, session_factory, transaction  # noqa: E402
from app.platform.migrations import upgrade  # noqa: E402
from app.routing import service as routing_service  # noqa: E402
from bench import baseline, scale_data  # noqa: E402

SMALL_DATABASE = "insight_bench"
ISSUER = scale_data.ISSUER
TEXT = ("Asiakas kertoi, että itsepalvelukassa ei hyväksy bonuskorttia aamuisin. " * 14)[:1000]
RESULTS = ROOT / "bench" / "results" / "scale.md"
PLANS = ROOT / "bench" / "results" / "plans"
SCENARIOS = ("post", "inbox", "list", "graphql", "sync", "metrics", "statements", "plans")
PLATFORM, BARE, PLATFORM_SMALL, BARE_SMALL = 8811, 8812, 8813, 8814
MANAGERS = ("store_manager", "region_manager", "company_manager")
WHO = {"store_manager": "store", "region_manager": "region", "company_manager": "company"}
PAGE = 50
DEEP_PAGE = 20
BATCH = 500
# Posting itself, as the issue measures it: the similar insights that POST /insights lists by
# default (the text embedded in the request) are measured apart, without a target.
POST_PATH = "/api/v1/insights?similar=false"

GQL_LIST_FIELDS = """
  id kind text status overdue visibility customerImpact escalationLevel endorsementCount
  createdAt ackDueAt respondDueAt
  unit { id name } ownerUnit { id name } author { id displayName }
  latestAnswer { id message createdAt }
"""
GQL_DETAILS = """
  actions { id title status }
  answers { id message status createdAt }
  attachments { id kind mediaType size }
"""


def gql_inbox(first: int, details: bool) -> str:
    fields = GQL_LIST_FIELDS + (GQL_DETAILS if details else "")
    return (
        f"query Inbox {{ inbox(first: {first}) {{ edges {{ node {{ {fields} }} }} "
        "pageInfo { endCursor hasNextPage } } }"
    )


# ---------------------------------------------------------------------------------------
# Results


@dataclass
class Result:
    scenario: str
    figure: str
    bare: str = "–"
    ratio: float | None = None
    target: str = "–"
    met: bool | None = None


@dataclass
class Run:
    args: argparse.Namespace
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.results.append(result)
        ratio = f"{result.ratio:.2f}" if result.ratio is not None else "–"
        met = {True: "yes", False: "no", None: "–"}[result.met]
        print(
            f"  {result.scenario}: {result.figure} | bare {result.bare} | ratio {ratio} | "
            f"target {result.target} | met {met}",
            flush=True,
        )


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | platform | bare ceiling | ratio | target (issue 13) | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "–"
        met = {True: "yes", False: "no", None: "–"}[r.met]
        lines.append(f"| {r.scenario} | {r.figure} | {r.bare} | {ratio} | {r.target} | {met} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Servers and load


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *args, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def platform_env(url: str) -> dict[str, str]:
    # Background work runs in separate worker processes in production, not in the API's.
    return {
        "INSIGHT_DATABASE_URL": url,
        "INSIGHT_PUBLIC_URL": ISSUER,
        "INSIGHT_INPROCESS_WORKER": "false",
        # A few tokens drive the whole load: the per-person and per-organisation limits
        # would turn it into a measurement of 429s.
        "INSIGHT_RATE_LIMIT_PERSON_PER_MINUTE": "0",
        "INSIGHT_RATE_LIMIT_ORG_PER_MINUTE": "0",
    }


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    rps: float
    p50: float
    p99: float
    requests: int
    errors: int


def wrk(url: str, seconds: int, connections: int, lua: str) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency",
        "--timeout", "30s", "-s", script.name, url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)

    def latency(pct: str) -> float:
        match = re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    assert rps and total, output
    failed = int(errors.group(1)) if errors else 0
    if socket:
        failed += sum(int(g) for g in socket.groups())
    return Load(float(rps.group(1)), latency("50"), latency("99"), int(total.group(1)), failed)


def settled(load: Load) -> Load:
    """Wait for what a run left in flight (wrk stops sending, the server goes on with the
    requests it has) before the next run measures anything."""
    time.sleep(max(0.3, min(15.0, 2 * load.p99 / 1000)))
    return load


def one_by_one(url: str, token: str, count: int) -> Load:
    """Latency of `count` requests one after the other (for what takes seconds)."""
    took = []
    for _ in range(count):
        t0 = time.perf_counter()
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=300)
        took.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.text[:300]
    took.sort()
    p50, p99 = statistics.median(took), took[-1]
    return Load(1000 / statistics.mean(took), p50, p99, count, 0)


def rate(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def lua(method: str, token: str | None, body: Any = None, fresh_ids: bool = False) -> str:
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    if fresh_ids:
        # An Idempotency-Key per request, so that every post is a new one.
        lines += [
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            '  wrk.headers["Idempotency-Key"] = string.format("bench-%d-%d-%d", '
            "os.time(), math.random(1, 1000000000), n)",
            "  return wrk.format()",
            "end",
        ]
    return "\n".join(lines) + "\n"


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


# ---------------------------------------------------------------------------------------
# Databases


async def reset_small(server: str) -> str:
    admin = await scale_data.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {SMALL_DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {SMALL_DATABASE}")
    finally:
        await admin.close()
    return scale_data.with_database(server, SMALL_DATABASE)


async def seed_small(url: str) -> tuple[str, dict[str, str]]:
    """A store with a manager and a frontline employee; the employee's token and what the
    bare insert writes for them."""
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        org, root = await org_service.create_organisation(session, name="Bench Oy", slug="bench")
        await routing_service.add_default_rule(session, org)
        store = await org_service.create_unit(
            session, org_id=org.id, parent_id=root.id, name="Store", kind=UnitKind.STORE
        )
        staff = await org_service.create_person(
            session, org_id=org.id, email="staff@bench", display_name="Staff", home_unit_id=store.id
        )
        boss = await org_service.create_person(
            session, org_id=org.id, email="boss@bench", display_name="Boss", home_unit_id=store.id
        )
        await org_service.grant_role(
            session, org_id=org.id, person_id=staff.id, role=Role.FRONTLINE, unit_id=store.id
        )
        await org_service.grant_role(
            session, org_id=org.id, person_id=boss.id, role=Role.MANAGER, unit_id=store.id
        )
    async with transaction(sessions) as session:
        actor = await org_service.load_principal(session, staff.subject)
        assert actor is not None
        for i in range(50):
            await posting.create_insight(
                session,
                actor,
                InsightCreate(kind=InsightKind.OBSERVATION, text=f"{i}: {TEXT}", language="fi"),
            )
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    token = await issue_access_token(
        BuiltinKeys(sessions), issuer=ISSUER, audience=scale_data.AUDIENCE,
        subject=staff.subject, lifetime_seconds=4 * 3600,
    )  # fmt: skip
    await engine.dispose()
    post = {"org_id": org.id, "unit_id": store.id, "author_id": staff.id, "owner_unit_id": store.id}
    return token, {k: str(v) for k, v in post.items()}


async def unit_paths(url: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    conn = await scale_data.connect(url)
    try:
        rows = await conn.fetch("SELECT id, path FROM units WHERE id = ANY($1::uuid[])", ids)
    finally:
        await conn.close()
    return {row["id"]: row["path"] for row in rows}


async def remove_posted(url: str, author_id: uuid.UUID, since: datetime) -> int:
    """Delete what the load posted (as the frontline persona, since `since`), with
    everything written about it, so the million database stays as built."""
    conn = await scale_data.connect(url)
    try:
        ids = await conn.fetch(
            "SELECT id FROM insights WHERE author_id = $1 AND created_at >= $2", author_id, since
        )
        found = [row["id"] for row in ids]
        if not found:
            return 0
        referencing = await conn.fetch(
            """SELECT DISTINCT c.conrelid::regclass::text AS tbl, a.attname AS col
               FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
               WHERE c.contype = 'f' AND c.confrelid = 'insights'::regclass
                 AND a.attname <> 'org_id' AND c.conrelid <> 'insights'::regclass"""
        )
        async with conn.transaction():
            for row in referencing:
                await conn.execute(
                    f'DELETE FROM {row["tbl"]} WHERE "{row["col"]}" = ANY($1::uuid[])', found
                )
            await conn.execute(
                "DELETE FROM embedding_backlog WHERE insight_id = ANY($1::uuid[])", found
            )
            await conn.execute("DELETE FROM insights WHERE id = ANY($1::uuid[])", found)
        await conn.execute("VACUUM ANALYZE insights")
        return len(found)
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------
# In process: statements per request, captured statements for the plans


@dataclass
class Counter:
    statements: list[tuple[str, Any]] = field(default_factory=list)
    control: int = 0

    def reset(self) -> None:
        self.statements = []
        self.control = 0

    @property
    def total(self) -> int:
        return len(self.statements) + self.control


async def count_requests(
    url: str, calls: list[tuple[str, str, dict[str, Any]]]
) -> list[tuple[int, int, list[tuple[str, Any]]]]:
    """Each (method, path, request kwargs) in process: its status, statements counted and
    the statements themselves. Each call runs twice; the second is counted (warm caches)."""
    from app.main import create_app
    from app.platform.settings import Settings
    from app.web.runtime import Runtime

    out = []
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=url, public_url=ISSUER, data_dir=Path(data_dir), inprocess_worker=False,
            rate_limit_person_per_minute=0, rate_limit_org_per_minute=0,
        )  # fmt: skip
        runtime = Runtime.build(settings)
        counter = Counter()
        sync_engine = runtime.engine.sync_engine

        def statement(
            conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
        ) -> None:
            counter.statements.append((sql, params))

        def control(*_: Any) -> None:
            counter.control += 1

        event.listen(sync_engine, "before_cursor_execute", statement)
        for name in ("begin", "commit", "rollback", "savepoint", "release_savepoint"):
            event.listen(sync_engine, name, control)
        # A connection given back to the pool unfinished is rolled back there.
        event.listen(sync_engine.pool, "reset", control)
        app = create_app(runtime=runtime)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000", timeout=300
            ) as client:
                for method, path, kwargs in calls:
                    warm = {**kwargs, **kwargs.get("warm", {})}
                    warm.pop("warm", None)
                    await client.request(method, path, **warm)
                    counted = {k: v for k, v in kwargs.items() if k != "warm"}
                    counter.reset()
                    response = await client.request(method, path, **counted)
                    out.append((response.status_code, counter.total, list(counter.statements)))
        finally:
            await runtime.close()
    return out


async def explain(url: str, org_id: uuid.UUID | None, sql: str, params: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured statement, as the app ran it: in the
    tenant's role and organisation (row-level security applies) once the request entered
    them, as the owner before (`org_id` None)."""
    conn = await scale_data.connect(url)
    try:
        async with conn.transaction():
            if org_id is not None:
                await conn.execute(
                    "SELECT set_config('role', 'insight_app', true), "
                    "set_config('insight.org_id', $1, true)",
                    str(org_id),
                )
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *(params or ()))
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------
# Scenarios


@dataclass
class Bench:
    run: Run
    scale_url: str
    server: str
    tokens: dict[str, str]
    personas: dict[str, scale_data.Persona]
    paths: dict[uuid.UUID, str]
    platform_pid: int
    seconds: int
    walks: dict[tuple[str, str, int], tuple[int, str | None, list[Any]]] = field(
        default_factory=dict
    )

    def get(self, token: str, path: str, params: dict[str, Any] | None = None) -> Any:
        response = httpx.get(
            f"http://127.0.0.1:{PLATFORM}{path}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json()


def decode(cursor: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))


def walk(bench: Bench, token: str, path: str, pages: int) -> tuple[int, str | None, list[Any]]:
    """The cursor of page `pages` (or of the last page there is), walked through the API
    once a run: (the page number reached, its cursor or None for the first, its items)."""
    key = (token, path, pages)
    if key not in bench.walks:
        bench.walks[key] = _walk(bench, token, path, pages)
    return bench.walks[key]


def _walk(bench: Bench, token: str, path: str, pages: int) -> tuple[int, str | None, list[Any]]:
    cursor = None
    page = bench.get(token, path, {"limit": PAGE})
    number = 1
    while number < pages and page["next_cursor"]:
        cursor = page["next_cursor"]
        page = bench.get(token, path, {"limit": PAGE, "cursor": cursor})
        number += 1
    return number, cursor, page["items"]


def compare_reads(bench: Bench, kind: str) -> None:
    """Scenarios 2 and 3: the first and the twentieth page for each manager, unloaded and
    at 8 connections, against the bare read of the same rows."""
    path = "/api/v1/inbox" if kind == "inbox" else "/api/v1/insights"
    for name in MANAGERS:
        persona = bench.personas[name]
        token = bench.tokens[name]
        for wanted in (1, DEEP_PAGE):
            number, cursor, items = walk(bench, token, path, wanted)
            query = f"limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
            platform_url = f"http://127.0.0.1:{PLATFORM}{path}?{query}"
            bare_params: dict[str, str] = {"org": str(persona.org_id)}
            position = decode(cursor) if cursor else None
            if kind == "inbox":
                bare_params |= {
                    "owner": str(persona.unit_id),
                    "now": position["n"] if position else datetime.now(UTC).isoformat(),
                }
            elif name != "company_manager":
                bare_params["path"] = bench.paths[persona.unit_id]
            if position:
                bare_params |= {
                    "rank": str(position["o"]),
                    "created": position["c"],
                    "after": position["i"],
                }
            bare_url = str(
                httpx.URL(
                    f"http://127.0.0.1:{BARE}/{kind if kind == 'inbox' else 'list'}",
                    params=bare_params,
                )
            )
            bare_rows = httpx.get(bare_url, timeout=60).json()
            same = [r["id"] for r in bare_rows] == [i["id"] for i in items]
            seconds = max(4, bench.seconds // 2)
            bare_alone = wrk(bare_url, seconds, 1, lua("GET", None))
            bare_loaded = wrk(bare_url, bench.seconds, 8, lua("GET", None))
            alone = settled(wrk(platform_url, seconds, 1, lua("GET", token)))
            if alone.requests < 5:
                # Too slow for wrk's run to tell: time a few one after the other.
                alone = one_by_one(platform_url, token, 5)
            loaded = settled(wrk(platform_url, bench.seconds, 8, lua("GET", token)))
            ratio = loaded.rps / bare_loaded.rps if bare_loaded.rps else None
            label = "first page" if number == 1 else f"page {number}"
            endpoint = "GET /inbox?limit=50" if kind == "inbox" else "GET /insights?limit=50"
            bench.run.add(
                Result(
                    f"{endpoint}, {WHO[name]} manager, {label} ({len(items)} rows)",
                    f"p50 {ms(alone.p50)}, p99 {ms(alone.p99)}; {rate(loaded.rps)} req/s at 8"
                    + (
                        f"; {loaded.errors + alone.errors} errors"
                        if loaded.errors + alone.errors
                        else ""
                    ),
                    f"p50 {ms(bare_alone.p50)}, p99 {ms(bare_alone.p99)}; "
                    f"{rate(bare_loaded.rps)} req/s" + ("" if same else " (other rows)"),
                    ratio,
                    "p99 < 10 ms unloaded; ≥ 0.6 at 8 connections",
                    alone.p99 < 10 and ratio is not None and ratio >= 0.6 and number == wanted,
                )
            )
            if number != wanted:
                bench.run.notes.append(
                    f"{endpoint} as the {WHO[name]} manager has {number} pages of {PAGE}: "
                    f"the last one was measured for page {wanted}."
                )


def scenario_post(bench: Bench, small: dict[str, Any]) -> None:
    body = {"kind": "observation", "text": TEXT}
    token = bench.tokens["frontline"]
    small_platform = settled(wrk(
        f"http://127.0.0.1:{PLATFORM_SMALL}{POST_PATH}", bench.seconds, 32,
        lua("POST", small["token"], body),
    ))  # fmt: skip
    small_bare = wrk(
        f"http://127.0.0.1:{BARE_SMALL}/insights", bench.seconds, 32, lua("POST", None, body)
    )
    bench.run.add(
        Result(
            "POST /insights, 32 connections, small database",
            f"{rate(small_platform.rps)} req/s, p99 {ms(small_platform.p99)}",
            f"{rate(small_bare.rps)} req/s",
            small_platform.rps / small_bare.rps,
        )
    )
    cpu_before = cpu_seconds(bench.platform_pid)
    loaded = settled(
        wrk(f"http://127.0.0.1:{PLATFORM}{POST_PATH}", bench.seconds, 32, lua("POST", token, body))
    )
    cpu = (cpu_seconds(bench.platform_pid) - cpu_before) * 1000 / max(1, loaded.requests)
    bare = wrk(f"http://127.0.0.1:{BARE}/insights", bench.seconds, 32, lua("POST", None, body))
    ratio = loaded.rps / bare.rps
    bench.run.add(
        Result(
            "POST /insights, 32 connections, 1 M insights",
            f"{rate(loaded.rps)} req/s, p99 {ms(loaded.p99)}"
            + (f"; {loaded.errors} errors" if loaded.errors else ""),
            f"{rate(bare.rps)} req/s, p99 {ms(bare.p99)}",
            ratio,
            "≥ 0.4, p99 < 100 ms",
            ratio >= 0.4 and loaded.p99 < 100 and not loaded.errors,
        )
    )
    bench.run.add(
        Result(
            "API CPU per post (32 connections, 1 M)",
            f"{cpu:.2f} ms",
            target="< 1.5 ms",
            met=cpu < 1.5,
        )
    )
    alone = settled(
        wrk(f"http://127.0.0.1:{PLATFORM}{POST_PATH}", bench.seconds, 1, lua("POST", token, body))
    )
    bare_alone = wrk(f"http://127.0.0.1:{BARE}/insights", bench.seconds, 1, lua("POST", None, body))
    bench.run.add(
        Result(
            "POST /insights, one at a time, 1 M insights",
            f"p50 {ms(alone.p50)}, p99 {ms(alone.p99)}",
            f"p50 {ms(bare_alone.p50)}",
            bare_alone.p50 / alone.p50 if alone.p50 else None,
        )
    )
    default = settled(
        wrk(
            f"http://127.0.0.1:{PLATFORM}/api/v1/insights",
            bench.seconds,
            32,
            lua("POST", token, body),
        )
    )
    bench.run.add(
        Result(
            "POST /insights as clients call it (with similar insights), 32 connections, 1 M",
            f"{rate(default.rps)} req/s, p99 {ms(default.p99)}"
            + (f"; {default.errors} errors" if default.errors else ""),
            f"{rate(bare.rps)} req/s",
            default.rps / bare.rps,
        )
    )


def scenario_graphql(bench: Bench) -> None:
    token = bench.tokens["region_manager"]
    rest = settled(
        wrk(
            f"http://127.0.0.1:{PLATFORM}/api/v1/inbox?limit={PAGE}",
            bench.seconds,
            8,
            lua("GET", token),
        )
    )
    for details, label, target in (
        (False, "list fields", "≥ 0.5 of REST"),
        (True, "with actions, answers, attachments", "–"),
    ):
        check = httpx.post(
            f"http://127.0.0.1:{PLATFORM}/graphql",
            json={"query": gql_inbox(PAGE, details)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert check.status_code == 200 and not check.json().get("errors"), check.text[:500]
        assert len(check.json()["data"]["inbox"]["edges"]) == PAGE, "a short GraphQL page"
        loaded = settled(wrk(
            f"http://127.0.0.1:{PLATFORM}/graphql", bench.seconds, 8,
            lua("POST", token, {"query": gql_inbox(PAGE, details)}),
        ))  # fmt: skip
        ratio = loaded.rps / rest.rps
        bench.run.add(
            Result(
                f"GraphQL inbox(first: 50), {label}, region manager",
                f"{rate(loaded.rps)} req/s, p50 {ms(loaded.p50)}",
                f"REST /inbox?limit=50: {rate(rest.rps)} req/s",
                ratio,
                target,
                ratio >= 0.5 if target != "–" else None,
            )
        )


def scenario_graphql_statements(bench: Bench) -> None:
    token = bench.tokens["region_manager"]
    headers = {"Authorization": f"Bearer {token}"}
    for details, label in ((False, "list fields"), (True, "with actions, answers, attachments")):
        calls = [
            ("POST", "/graphql", {"json": {"query": gql_inbox(first, details)}, "headers": headers})
            for first in (10, 50, 100)
        ]
        counted = asyncio.run(count_requests(bench.scale_url, calls))
        counts = [c for _, c, _ in counted]
        assert all(status == 200 for status, _, _ in counted), counted
        bench.run.add(
            Result(
                f"GraphQL inbox statements, pages of 10 / 50 / 100, {label}",
                " / ".join(str(c) for c in counts),
                target="same for 10 and 100" if not details else "–",
                met=(counts[0] == counts[2]) if not details else None,
            )
        )


def scenario_sync(bench: Bench) -> None:
    token = bench.tokens["frontline"]
    persona = bench.personas["frontline"]
    timings = []
    for _ in range(2):
        items = [
            {
                "type": "insight",
                "id": str(uuid.uuid4()),
                "kind": "observation",
                "text": f"{n}: {TEXT}",
            }
            for n in range(BATCH)
        ]
        t0 = time.perf_counter()
        response = httpx.post(
            f"http://127.0.0.1:{PLATFORM}/api/v1/sync/batch",
            json={"items": items},
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )
        timings.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["created"] == BATCH, response.text[:300]

    async def bare() -> list[float]:
        conn = await scale_data.connect(bench.scale_url)
        post = {
            "org_id": persona.org_id,
            "unit_id": persona.home_unit_id,
            "author_id": persona.person_id,
        }
        took = []
        try:
            for _ in range(2):
                now = datetime.now(UTC)
                rows = [
                    (
                        post["org_id"],
                        uuid.uuid4(),
                        post["unit_id"],
                        post["author_id"],
                        "observation",
                        f"{n}: {TEXT}",
                        now,
                        post["unit_id"],
                        now + timedelta(hours=48),
                        now + timedelta(hours=168),
                        48 * 60,
                        168 * 60,
                    )
                    for n in range(BATCH)
                ]
                t0 = time.perf_counter()
                await conn.executemany(baseline.INSERT, rows)
                took.append(time.perf_counter() - t0)
        finally:
            await conn.close()
        return took

    bare_timings = asyncio.run(bare())
    rate = BATCH / statistics.median(timings)
    bare_rate = BATCH / statistics.median(bare_timings)
    bench.run.add(
        Result(
            "POST /sync/batch of 500 insights",
            f"{rate:,.0f} rows/s ({statistics.median(timings):.2f} s a batch)",
            f"executemany: {bare_rate:,.0f} rows/s",
            rate / bare_rate,
            "≥ 0.5",
            rate / bare_rate >= 0.5,
        )
    )


def scenario_metrics(bench: Bench) -> None:
    token = bench.tokens["company_manager"]
    now = datetime.now(UTC).replace(microsecond=0)
    for days, target in ((365, "< 1 s"), (30, "–")):
        params = {
            "group_by": "unit",
            "bucket": "week",
            "from": (now - timedelta(days=days)).isoformat(),
            "to": now.isoformat(),
        }
        timings = []
        # One run each: a slow one takes minutes.
        for _ in range(1 if days == 365 else 2):
            t0 = time.perf_counter()
            found = bench.get(token, "/api/v1/metrics/listening", params)
            timings.append(time.perf_counter() - t0)
        took = min(timings)
        bench.run.add(
            Result(
                f"listening metrics, whole company, by unit, weekly, {days} days",
                f"{took:.2f} s ({found['totals']['insights']:,} insights, "
                f"{len(found.get('units') or [])} units)",
                target=target,
                met=took < 1 if target != "–" else None,
            )
        )


def scenario_statements(bench: Bench) -> None:
    token = bench.tokens["frontline"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"kind": "observation", "text": TEXT}

    def keyed() -> dict[str, Any]:
        return {"json": body, "headers": {**headers, "Idempotency-Key": f"bench-{uuid.uuid4()}"}}

    calls = [
        ("POST", POST_PATH, {"json": body, "headers": headers}),
        ("POST", POST_PATH, {**keyed(), "warm": keyed()}),
        ("POST", "/api/v1/insights", {"json": body, "headers": headers}),
    ]
    counted = asyncio.run(count_requests(bench.scale_url, calls))
    labels = ("without", "with", "with similar insights (the default), without")
    for (status, count, statements), label in zip(counted, labels, strict=True):
        assert status == 201, (status, statements)
        default = "similar" in label
        bench.run.add(
            Result(
                f"statements per POST /insights, {label} an Idempotency-Key",
                str(count),
                target="–" if default else "≤ 5",
                met=None if default else count <= 5,
            )
        )
        bench.run.notes.append(
            f"POST /insights {label} an Idempotency-Key, {count} statements counted (BEGIN, "
            "COMMIT, ROLLBACK and savepoints included): "
            + "; ".join(" ".join(sql.split())[:90] for sql, _ in statements)
        )


def scenario_plans(bench: Bench, stamp: str) -> None:
    PLANS.mkdir(parents=True, exist_ok=True)
    calls: list[tuple[str, str, dict[str, Any]]] = []
    labels: list[tuple[str, str, uuid.UUID]] = []
    for kind, path in (("inbox", "/api/v1/inbox"), ("list", "/api/v1/insights")):
        for name in MANAGERS:
            token = bench.tokens[name]
            number, cursor, _ = walk(bench, token, path, DEEP_PAGE)
            for page, c in ((1, None), (number, cursor)):
                params = {"limit": PAGE} | ({"cursor": c} if c else {})
                calls.append(
                    (
                        "GET",
                        path,
                        {"params": params, "headers": {"Authorization": f"Bearer {token}"}},
                    )
                )
                labels.append(
                    (
                        kind,
                        f"GET {path}?limit=50, {WHO[name]} manager, page {page}",
                        bench.personas[name].org_id,
                    )
                )
    token = bench.tokens["region_manager"]
    for details in (False, True):
        calls.append(
            (
                "POST",
                "/graphql",
                {
                    "json": {"query": gql_inbox(PAGE, details)},
                    "headers": {"Authorization": f"Bearer {token}"},
                },
            )
        )
        labels.append(
            (
                "graphql",
                "GraphQL inbox(first: 50), region manager, "
                + ("with actions, answers, attachments" if details else "list fields"),
                bench.personas["region_manager"].org_id,
            )
        )
    counted = asyncio.run(count_requests(bench.scale_url, calls))
    files: dict[str, list[str]] = {}
    for (kind, label, org_id), (status, count, statements) in zip(labels, counted, strict=True):
        out = files.setdefault(kind, [])
        out.append(f"=== {label}: HTTP {status}, {count} statements (BEGIN/COMMIT included)\n")
        tenant = None
        for sql, params in statements:
            flat = " ".join(sql.split())
            if "set_config('role'" in flat:
                tenant = org_id
            if not flat.upper().startswith(("SELECT", "WITH")) or "set_config" in flat:
                out.append(f"--- {flat[:200]}\n(not explained)\n")
                continue
            try:
                plan = asyncio.run(explain(bench.scale_url, tenant, sql, params))
            except Exception as exc:
                plan = f"(EXPLAIN failed: {exc})"
            out.append(f"--- {sql.strip()}\n-- parameters: {params!r}\n{plan}\n")
    for kind, parts in files.items():
        target = PLANS / f"{stamp}-{kind}.txt"
        target.write_text("\n".join(parts), encoding="utf-8")
        bench.run.plans.append(str(target.relative_to(ROOT)))
    print(f"  plans written: {', '.join(bench.run.plans)}", flush=True)


# ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="each wrk run")
    parser.add_argument("--insights", type=int, default=1_000_000)
    parser.add_argument("--skip-build", action="store_true", help="use the scale database as it is")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"of {', '.join(SCENARIOS)}")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    started = time.perf_counter()
    began = datetime.now(UTC)
    run = Run(args)
    server = scale_data.server_url()
    load_before = load()
    if args.skip_build:
        scale_url = scale_data.with_database(server, scale_data.DATABASE)
    else:
        scale_url = asyncio.run(scale_data.build(server, insights=args.insights))
    build_seconds = time.perf_counter() - started
    personas = asyncio.run(scale_data.personas(scale_url))
    tokens = asyncio.run(scale_data.tokens(scale_url, issuer=ISSUER))
    paths = asyncio.run(unit_paths(scale_url, [p.unit_id for p in personas.values()]))
    frontline = personas["frontline"]
    post = {
        "org_id": str(frontline.org_id),
        "unit_id": str(frontline.home_unit_id),
        "author_id": str(frontline.person_id),
        "owner_unit_id": str(frontline.home_unit_id),
    }
    processes: list[subprocess.Popen[bytes]] = []
    small: dict[str, Any] = {}
    try:
        if "post" in only:
            small_url = asyncio.run(reset_small(server))
            upgrade(small_url)
            small["token"], small_post = asyncio.run(seed_small(small_url))
            processes.append(
                start(["--factory", "app.main:create_app"], platform_env(small_url), PLATFORM_SMALL)
            )
            processes.append(
                start(
                    ["bench.baseline:app"],
                    {"BENCH_DSN": dsn(small_url), "BENCH_POST": json.dumps(small_post)},
                    BARE_SMALL,
                )
            )
        api = start(["--factory", "app.main:create_app"], platform_env(scale_url), PLATFORM)
        processes.append(api)
        rss_start = rss_mb(api.pid)
        processes.append(
            start(
                ["bench.baseline:app"],
                {"BENCH_DSN": dsn(scale_url), "BENCH_POST": json.dumps(post)},
                BARE,
            )
        )
        bench = Bench(run, scale_url, server, tokens, personas, paths, api.pid, args.seconds)
        # Warm both: the first requests pay for imports and compiled statements.
        for name in MANAGERS:
            bench.get(tokens[name], "/api/v1/inbox", {"limit": PAGE})
        stamp = began.strftime("%Y-%m-%d")
        steps: dict[str, Callable[[], None]] = {
            "post": lambda: scenario_post(bench, small),
            "inbox": lambda: compare_reads(bench, "inbox"),
            "list": lambda: compare_reads(bench, "list"),
            "graphql": lambda: (scenario_graphql(bench), scenario_graphql_statements(bench)),  # type: ignore[func-returns-value]
            "sync": lambda: scenario_sync(bench),
            "metrics": lambda: scenario_metrics(bench),
            "statements": lambda: scenario_statements(bench),
            "plans": lambda: scenario_plans(bench, stamp),
        }
        for name in SCENARIOS:
            if name in only:
                t0 = time.perf_counter()
                print(f"{name} (load {load()})", flush=True)
                steps[name]()
                print(f"  {name} took {time.perf_counter() - t0:.0f} s", flush=True)
        rss_end = rss_mb(api.pid)
        run.add(
            Result(
                "API process resident memory, at start / after the load",
                f"{rss_start:.0f} MB / {rss_end:.0f} MB",
                target="recorded; libraries a request does not need not loaded at start",
            )
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    removed = asyncio.run(
        remove_posted(scale_url, frontline.person_id, began - timedelta(minutes=1))
    )
    total = time.perf_counter() - started
    print(f"\nremoved {removed:,} insights the load posted; whole run {total:.0f} s\n")
    report = table(run.results)
    print(report)
    for note in run.notes:
        print(f"- {note}")
    if args.no_record:
        return
    head = (
        f"## {began.strftime('%Y-%m-%d %H:%M')} UTC, commit {commit()}, "
        f"{platform.machine()} {os.cpu_count()} CPUs, load before {load_before}, after {load()}\n\n"
        f"`python bench/hot_paths.py --seconds {args.seconds}"
        + (f" --only {args.only}" if args.only != ",".join(SCENARIOS) else "")
        + f"`: {args.insights:,} insights; build or reuse {build_seconds:.0f} s, "
        f"whole run {total:.0f} s.\n\n"
    )
    tail = ""
    if run.notes:
        tail += "\n\n" + "\n".join(f"- {note}" for note in run.notes)
    if run.plans:
        tail += "\n\nQuery plans: " + ", ".join(f"`{p}`" for p in run.plans)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# hot_paths.py results: the platform at a million insights against bare endpoints\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n" + head + report + tail + "\n")


if __name__ == "__main__":
    main()
