"""EX–CX linkage end to end over 1,000 units × 12 periods, against the bare-asyncpg ceiling.

    .venv/bin/python bench/linkage.py [--servers embedded,local] [--runs 10] [--insights 20000]
        [--keep] [--skip-build] [--no-record]

For each server (the embedded PostgreSQL and the one at 127.0.0.1:5432) it builds, or reuses
when a complete one is there, a database `bench_linkage`: one organisation of a company, 20
regions of 50 stores, an HR person with a grant on the company, 8–20 people at home in each
store, `--insights` insights over the stores and the twelve months of 2026 (so the
listening signals have work), and two imports: 6–12 anonymous EX responses per store and
month (`ex_responses`, three factor scores and an eNPS answer each; one store-month in fifty
has 3–4, below the floor) and the stores' NPS per month (`cx_outcomes`), which follows the
store's EX of the month before (a planted lag-1 association) plus a regional shift.
Everything but the organisation is written with COPY.

Then, per server, each timed `--runs` times after two untimed warm-up runs:

- end to end over HTTP as the HR person: GET /api/v1/linkage, /linkage/drivers and
  /linkage/scatter.svg for January–December 2026, through `app.main.create_app` on its own
  runtime (httpx over ASGI, a real access token, row-level security, the audit entry);
- the split of GET /linkage: `linkage_data.read_table` (and, inside it, the time in SQL
  statements), `linkage.linkage` with the table already read (the statistics and the
  report), FastAPI's serialisation of the report (validate + dump_json), and
  `linkage.linkage` whole in one transaction as a request makes it;
- the bare ceiling: raw asyncpg fetching the window's NPS rows and the EX responses grouped
  per store and month (respondents, each factor's mean, eNPS counts), nothing else.

Appends to bench/results/linkage.md. The databases are dropped at the end unless `--keep`.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import numpy as np
from sqlalchemy import event, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.routing import APIRoute, serialize_response  # noqa: E402

from app.analytics import linkage  # noqa: E402
from app.analytics.linkage_data import PeriodGrain, read_table  # noqa: E402
from app.analytics.linkage_schemas import LinkageQuery  # noqa: E402
from app.analytics.router import router as analytics_router  # noqa: E402
from app.auth.tokens import issue_access_token  # noqa: E402
from app.main import create_app  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.org.models import Role, UnitKind  # noqa: E402
from app.outcomes.models import CxMeasure  # noqa: E402
from app.platform import tenancy  # noqa: E402
from app.platform.db import create_engine, session_factory, start_embedded_server  # noqa: E402
from app.platform.migrations import upgrade  # noqa: E402
from app.platform.settings import Settings  # noqa: E402
from app.routing import service as routing_service  # noqa: E402
from app.web.runtime import Runtime  # noqa: E402

DATABASE = "bench_linkage"
SLUG = "bench-linkage"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results" / "linkage.md"
REGIONS, STORES_PER_REGION = 20, 50
STORES = REGIONS * STORES_PER_REGION
MONTHS = [date(2026, m, 1) for m in range(1, 13)]
WINDOW = {"from": "2026-01-01", "to": "2026-12-01"}
FACTORS = ("leadership", "enablement", "wellbeing")
# NPS = 10 + SLOPE × the store's EX of the month before + a regional shift + noise.
SLOPE = 8.0
SEED = 20261201
TARGET_SECONDS = 1.0
ENDPOINTS = ("/api/v1/linkage", "/api/v1/linkage/drivers", "/api/v1/linkage/scatter.svg")
KINDS = ("observation", "customer_story", "idea", "complaint", "praise")


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
    )


def stamp(n: int) -> str:
    return f"linkage complete {STORES} stores, {n} insights"


async def complete(server: str, n: int) -> bool:
    conn = await connect(server)
    try:
        note = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            DATABASE,
        )
    finally:
        await conn.close()
    return note == stamp(n)


# ---------------------------------------------------------------------------------------
# Building the database


@dataclass
class Org:
    id: uuid.UUID
    regions: list[uuid.UUID]
    # (store id, region index)
    stores: list[tuple[uuid.UUID, int]]


async def build_org(url: str) -> Org:
    """The organisation, its units and the HR person through app.org.service."""
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        org, root = await org_service.create_organisation(session, name="Bench Oy", slug=SLUG)
        await routing_service.add_default_rule(session, org)
        built = Org(org.id, [], [])
        for r in range(REGIONS):
            region = await org_service.create_unit(
                session,
                org_id=org.id,
                parent_id=root.id,
                name=f"Region {r:02}",
                kind=UnitKind.REGION,
            )
            built.regions.append(region.id)
            for s in range(STORES_PER_REGION):
                store = await org_service.create_unit(
                    session,
                    org_id=org.id,
                    parent_id=region.id,
                    name=f"Store {r:02}-{s:02}",
                    kind=UnitKind.STORE,
                )
                built.stores.append((store.id, r))
        hr = await org_service.create_person(
            session,
            org_id=org.id,
            email="hr@bench.test",
            display_name="HR",
            home_unit_id=root.id,
            subject="bench|hr",
        )
        await org_service.grant_role(
            session, org_id=org.id, person_id=hr.id, role=Role.HR, unit_id=root.id
        )
    await engine.dispose()
    return built


def insight_status(rng: np.random.Generator) -> str:
    return str(
        rng.choice(
            ("new", "acknowledged", "in_progress", "resolved", "declined"),
            p=(0.1, 0.1, 0.1, 0.6, 0.1),
        )
    )


async def build(server: str, insights: int) -> None:
    url = with_database(server, DATABASE)
    started = time.perf_counter()
    admin = await connect(server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    await admin.close()
    await asyncio.to_thread(upgrade, url)
    org = await build_org(url)
    print(f"  organisation built ({time.perf_counter() - started:.0f} s)", flush=True)
    rng = np.random.default_rng(SEED)
    conn = await connect(url)
    created = datetime(2026, 12, 31, tzinfo=UTC)

    # People at home in the stores: the headcount of insights per employee, and authors.
    staff: list[list[uuid.UUID]] = []
    people = []
    for i, (store_id, _) in enumerate(org.stores):
        ids = [uuid.uuid4() for _ in range(int(rng.integers(8, 21)))]
        staff.append(ids)
        for j, pid in enumerate(ids):
            key = f"staff-{i:04}-{j:02}"
            people.append(
                (org.id, pid, f"bench|{key}", f"{key}@bench.test", key, store_id, "fi", True)
            )
    await conn.copy_records_to_table(
        "people",
        records=people,
        columns=(
            "org_id", "id", "subject", "email", "display_name", "home_unit_id", "locale", "active"
        ),
    )  # fmt: skip

    # Insights over the stores and the year, for the listening signals.
    weights = rng.lognormal(0.0, 1.0, STORES)
    weights /= weights.sum()
    rows = []
    for k in range(insights):
        s = int(rng.choice(STORES, p=weights)) if k % 2 else int(rng.integers(STORES))
        store_id, _ = org.stores[s]
        at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=int(rng.integers(0, 365 * 1440)))
        status = insight_status(rng)
        acknowledged = status != "new"
        closed = status in ("resolved", "declined")
        closed_at = at + timedelta(hours=int(rng.integers(2, 400))) if closed else None
        loop_closed = closed_at if closed and rng.uniform() < 0.8 else None
        rows.append(
            (
                org.id, uuid.uuid4(), store_id, store_id,
                staff[s][int(rng.integers(len(staff[s])))], str(rng.choice(KINDS)),
                "Bench insight", "fi", int(rng.integers(0, 4)), at, "named", status, store_id,
                at + timedelta(hours=48), at + timedelta(days=7), 48 * 60, 168 * 60,
                at + timedelta(hours=float(rng.exponential(20.0))) if acknowledged else None,
                closed_at, loop_closed, None, 0, 1, at, at,
            )
        )  # fmt: skip
    await conn.copy_records_to_table(
        "insights",
        records=rows,
        columns=(
            "org_id", "id", "unit_id", "shown_unit_id", "author_id", "kind", "text", "language",
            "customer_impact", "occurred_at", "visibility", "status", "owner_unit_id",
            "ack_due_at", "respond_due_at", "ack_minutes", "respond_minutes",
            "acknowledged_at", "closed_at", "loop_closed_at", "merged_into_id",
            "endorsement_count", "version", "created_at", "updated_at",
        ),
    )  # fmt: skip

    # The two imports, and their rows.
    imports = {"ex_responses": uuid.uuid4(), "cx_outcomes": uuid.uuid4()}
    ex_rows, cx_rows = [], []
    region_shift = rng.normal(0.0, 6.0, REGIONS)
    for store_id, r in org.stores:
        level = rng.normal(3.5, 0.3)
        # The store's EX in the month before the window and in each of its months.
        latent = level + rng.normal(0.0, 0.25, len(MONTHS) + 1)
        for m, month in enumerate(MONTHS):
            ex = float(latent[m + 1])
            answers = int(rng.integers(3, 5)) if rng.uniform() < 0.02 else int(rng.integers(6, 13))
            for _ in range(answers):
                scores = {f: float(np.clip(ex + rng.normal(0.0, 0.6), 1.0, 5.0)) for f in FACTORS}
                enps = int(np.clip(round(2.0 * ex + rng.normal(0.0, 1.5)), 0, 10))
                ex_rows.append(
                    (org.id, uuid.uuid4(), imports["ex_responses"], store_id, month,
                     json.dumps(scores), enps)
                )  # fmt: skip
            nps = 10 + SLOPE * float(latent[m]) + region_shift[r] + rng.normal(0.0, 2.0)
            cx_rows.append(
                (org.id, store_id, month, "nps", imports["cx_outcomes"], float(nps),
                 int(rng.integers(200, 401)))
            )  # fmt: skip
    for kind, import_id in imports.items():
        await conn.execute(
            "INSERT INTO data_imports (org_id, id, kind, digest, source, rows, summary, "
            "created_by, created_at) VALUES ($1, $2, $3, $4, 'bench', $5, '{}', NULL, $6)",
            org.id,
            import_id,
            kind,
            uuid.uuid4().hex,
            len(ex_rows) if kind == "ex_responses" else len(cx_rows),
            created,
        )
    await conn.copy_records_to_table(
        "ex_responses",
        records=ex_rows,
        columns=("org_id", "id", "import_id", "unit_id", "period", "scores", "enps"),
    )
    await conn.copy_records_to_table(
        "cx_outcomes",
        records=cx_rows,
        columns=("org_id", "unit_id", "period", "measure", "import_id", "value", "n"),
    )
    await conn.execute("VACUUM ANALYZE")
    await conn.execute(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{stamp(insights)}'")
    await conn.close()
    print(
        f"  {len(people):,} people, {insights:,} insights, {len(ex_rows):,} EX responses, "
        f"{len(cx_rows):,} NPS rows; built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


# ---------------------------------------------------------------------------------------
# Measuring


def summary(samples: list[float]) -> dict[str, float]:
    ordered = np.asarray(samples)
    return {
        "median": float(np.median(ordered)),
        "p95": float(np.percentile(ordered, 95)),
        "min": float(ordered.min()),
    }


async def timed(
    function: Callable[[], Awaitable[Any]], runs: int, warm: int = 2
) -> tuple[list[float], Any]:
    result = None
    for _ in range(warm):
        result = await function()
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await function()
        seconds.append((time.perf_counter() - t0) * 1000)
    return seconds, result


# The minimal SQL a hand-written endpoint would run: the window's NPS rows, and the EX
# responses grouped per store and month.
BARE_CX = """
SELECT unit_id, period, value, n FROM cx_outcomes
WHERE org_id = $1 AND measure = 'nps' AND period >= $2 AND period < $3
"""
BARE_EX = """
SELECT unit_id, period, count(*) AS n,
       avg(CAST(scores ->> 'leadership' AS float8)) AS leadership,
       avg(CAST(scores ->> 'enablement' AS float8)) AS enablement,
       avg(CAST(scores ->> 'wellbeing' AS float8)) AS wellbeing,
       count(*) FILTER (WHERE enps >= 9) AS promoters,
       count(*) FILTER (WHERE enps <= 6) AS detractors
FROM ex_responses
WHERE org_id = $1 AND period >= $2 AND period < $3
GROUP BY unit_id, period
"""


async def bare_ceiling(url: str, org_id: uuid.UUID, runs: int) -> dict[str, Any]:
    conn = await connect(url)
    start, end = MONTHS[0], date(2027, 1, 1)

    async def fetch() -> tuple[int, int]:
        cx = await conn.fetch(BARE_CX, org_id, start, end)
        ex = await conn.fetch(BARE_EX, org_id, start, end)
        return len(cx), len(ex)

    samples, (cx_rows, ex_rows) = await timed(fetch, runs)
    await conn.close()
    return {"ms": summary(samples), "cx_rows": cx_rows, "ex_rows": ex_rows}


class StatementClock:
    """The time spent in SQL statements (sent, run and every row fetched) on an engine."""

    def __init__(self, engine: Any) -> None:
        self.total = 0.0
        self.by_statement: dict[str, float] = {}
        self._started: dict[int, float] = {}
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        took = (time.perf_counter() - self._started.pop(id(cursor))) * 1000
        self.total += took
        key = " ".join(statement.split())[:60]
        self.by_statement[key] = self.by_statement.get(key, 0.0) + took

    def reset(self) -> None:
        self.total = 0.0
        self.by_statement = {}


async def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    runs = args.runs
    out: dict[str, Any] = {"load_before": load()}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=url,
            public_url="http://bench.test",
            data_dir=Path(data_dir),
            inprocess_worker=False,
            rate_limit_person_per_minute=0,
            rate_limit_org_per_minute=0,
        )
        runtime = Runtime.build(settings)
        assert runtime.builtin_keys is not None
        app = create_app(runtime=runtime)
        token = await issue_access_token(
            runtime.builtin_keys,
            issuer=settings.issuer,
            audience=settings.oidc_audience,
            subject="bench|hr",
            lifetime_seconds=3600,
        )
        headers = {"Authorization": f"Bearer {token}"}
        sizes: dict[str, int] = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench.test"
        ) as client:

            def get(path: str) -> Callable[[], Awaitable[httpx.Response]]:
                async def call() -> httpx.Response:
                    response = await client.get(path, params=WINDOW, headers=headers)
                    assert response.status_code == 200, response.text
                    sizes[path] = len(response.content)
                    return response

                return call

            out["http"] = {}
            for path in ENDPOINTS:
                samples, response = await timed(get(path), runs)
                out["http"][path] = summary(samples)
                print(f"  GET {path}: {fmt(out['http'][path])}", flush=True)
                if path == ENDPOINTS[0]:
                    report = response.json()
                    out["report"] = {
                        "units": report["units"],
                        "units_with_ex": report["units_with_ex"],
                        "suppressed_periods": report["suppressed_periods"],
                        "within_slope": report["model"]["within_unit_slope"],
                        "lag1_within_r": next(
                            x["within_units"]["r"] for x in report["lags"] if x["lag"] == 1
                        ),
                    }
                elif path == ENDPOINTS[1]:
                    drivers = response.json()
                    out["drivers"] = {
                        "units": drivers["units"],
                        "drivers": [d["name"] for d in drivers["drivers"]],
                        "left_out": [d["name"] for d in drivers["left_out"]],
                    }
        out["sizes"] = sizes

        # The split, in-process on the same runtime, each part in a transaction entered
        # as a request enters it (row-level security applies).
        sessions = runtime.sessions
        async with sessions() as session:
            actor = await org_service.load_principal(session, "bench|hr")
        assert actor is not None
        query = LinkageQuery(start=MONTHS[0], end=MONTHS[-1])
        clock = StatementClock(runtime.engine)

        async def whole() -> Any:
            async with sessions() as session, session.begin():
                await tenancy.enter(session, actor.org_id)
                return await linkage.linkage(session, actor, query)

        async def read() -> Any:
            async with sessions() as session, session.begin():
                await tenancy.enter(session, actor.org_id)
                clock.reset()
                root = await org_service.get_unit(session, actor, actor.grants[0].unit_id)
                return await read_table(
                    session,
                    actor.org_id,
                    root.path,
                    CxMeasure.NPS,
                    PeriodGrain.MONTH,
                    MONTHS[0],
                    date(2027, 1, 1),
                    5,
                    datetime.now(UTC),
                )

        samples, report = await timed(whole, runs)
        out["service"] = summary(samples)
        sql_ms = []
        read_samples = []
        for i in range(runs + 2):
            t0 = time.perf_counter()
            table = await read()
            if i >= 2:
                read_samples.append((time.perf_counter() - t0) * 1000)
                sql_ms.append(clock.total)
        out["read_table"] = summary(read_samples)
        out["read_sql"] = summary(sql_ms)
        out["statements"] = dict(clock.by_statement)

        async def cached_read(*_: Any, **__: Any) -> Any:
            return table

        original = linkage.read_table
        linkage.read_table = cached_read  # type: ignore[assignment]
        try:
            samples, _ = await timed(whole, runs)
        finally:
            linkage.read_table = original  # type: ignore[assignment]
        out["statistics"] = summary(samples)

        route = next(
            r for r in analytics_router.routes if isinstance(r, APIRoute) and r.path == "/linkage"
        )

        async def serialise() -> bytes:
            body: bytes = await serialize_response(
                field=route.response_field, response_content=report, dump_json=True
            )
            return body

        samples, _ = await timed(serialise, runs)
        out["serialise"] = summary(samples)
        out["bare"] = await bare_ceiling(url, actor.org_id, runs)
        await runtime.close()
    out["load_after"] = load()
    for part in ("service", "read_table", "read_sql", "statistics", "serialise"):
        print(f"  {part}: {fmt(out[part])}", flush=True)
    print(f"  bare ceiling: {fmt(out['bare']['ms'])}", flush=True)
    return out


def fmt(s: dict[str, float]) -> str:
    return f"median {s['median']:.0f} ms, p95 {s['p95']:.0f} ms, min {s['min']:.0f} ms"


# ---------------------------------------------------------------------------------------


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def row(label: str, s: dict[str, float], load_average: str) -> str:
    return f"| {label} | {s['median']:.0f} | {s['p95']:.0f} | {s['min']:.0f} | {load_average} |"


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}, commit {commit()}, {os.cpu_count()} CPUs, "
        f"`python bench/linkage.py --runs {args.runs} --insights {args.insights}`",
        "",
        f"One organisation: a company, {REGIONS} regions of {STORES_PER_REGION} stores; "
        "8–20 people per store; 6–12 imported EX responses per store and month (one "
        "store-month in fifty 3–4, below the floor of 5), three factors and eNPS each; NPS per "
        f"store and month following the store's EX of the month before; {args.insights:,} "
        "insights over the year. Read as HR on the company, January–December 2026. Each "
        f"figure over {args.runs} runs after two warm-up runs. Target: the linkage end to end "
        f"under {TARGET_SECONDS:.0f} s.",
    ]
    for name, r in results.items():
        la = f"{r['load_before']} → {r['load_after']}"
        rep = r["report"]
        slope = rep["within_slope"]
        e2e = r["http"][ENDPOINTS[0]]
        ratio = e2e["median"] / r["bare"]["ms"]["median"]
        left = r["drivers"]["left_out"]
        left_out = f"; left out: {', '.join(left)}" if left else ""
        met = "met" if e2e["median"] < TARGET_SECONDS * 1000 else "not met"
        lines += [
            "",
            f"### {name}",
            "",
            "| run | median ms | p95 ms | min ms | load (1, 5, 15 min) before → after |",
            "| --- | --- | --- | --- | --- |",
        ]
        for path in ENDPOINTS:
            lines.append(row(f"GET {path} (HTTP, {r['sizes'][path]:,} bytes)", r["http"][path], la))
        lines += [
            row("`linkage.linkage` in one transaction (no HTTP)", r["service"], la),
            row("… `linkage_data.read_table`", r["read_table"], la),
            row("… … of which in SQL statements (run and fetched)", r["read_sql"], la),
            row("… statistics and report, the table already read", r["statistics"], la),
            row("FastAPI serialisation of the report (validate + dump_json)", r["serialise"], la),
            row(
                f"bare ceiling: raw asyncpg, {r['bare']['cx_rows']:,} NPS rows + "
                f"{r['bare']['ex_rows']:,} EX groups",
                r["bare"]["ms"],
                la,
            ),
            "",
            f"GET /linkage at {ratio:.1f}× the bare ceiling (medians); target under "
            f"{TARGET_SECONDS:.0f} s end to end: {met} ({e2e['median']:.0f} ms median, "
            f"{e2e['p95']:.0f} ms p95). Report: {rep['units']} units, {rep['units_with_ex']} with "
            f"released EX, {rep['suppressed_periods']} unit-periods held back; within-unit "
            f"slope {slope['estimate']:.2f} [{slope['low']:.2f}, {slope['high']:.2f}] (planted "
            f"{SLOPE:.0f} on the latent EX), lag-1 within-unit r {rep['lag1_within_r']:.2f}. "
            f"Drivers over {r['drivers']['units']} units: {', '.join(r['drivers']['drivers'])}"
            + left_out
            + ".",
            "",
            "SQL statements of one `read_table`:",
            "",
            "| statement | ms |",
            "| --- | --- |",
        ]
        for statement, ms in sorted(r["statements"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| `{statement}…` | {ms:.1f} |")
    lines.append("")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    results: dict[str, dict[str, Any]] = {}
    servers = {
        "embedded": lambda: start_embedded_server(ROOT / ".insight" / "bench", database="postgres"),
        "local": lambda: LOCAL_SERVER,
    }
    for name in args.servers.split(","):
        server = servers[name]()
        admin = await connect(server)
        version = (await admin.fetchval("SHOW server_version")).split()[0]
        jit = await admin.fetchval("SELECT pg_jit_available()")
        await admin.close()
        where = "embedded" if name == "embedded" else "127.0.0.1:5432"
        label = f"PostgreSQL {version}, {where}, JIT {'available' if jit else 'not built in'}"
        print(f"{name}: {make_url(server).render_as_string(hide_password=True)}", flush=True)
        if not args.skip_build and not await complete(server, args.insights):
            await build(server, args.insights)
        else:
            print("  reusing the complete database", flush=True)
        results[label] = await measure(with_database(server, DATABASE), args)
        if not args.keep:
            admin = await connect(server)
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            await admin.close()
    written = report(args, results)
    print(written)
    if not args.no_record:
        if not RESULTS.exists():
            heading = "# EX–CX linkage end to end (bench/linkage.py)\n\n"
            RESULTS.write_text(heading, encoding="utf-8")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(written + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="embedded,local")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--insights", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep bench_linkage for the next run")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    asyncio.run(main(parser.parse_args()))
