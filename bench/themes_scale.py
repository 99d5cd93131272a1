"""Similar-insight lookup and re-clustering at 100,000 insights.

    .venv/bin/python bench/themes_scale.py [--servers embedded,local] [--insights 100000]
        [--queries 200] [--exact-queries 20] [--keep]

For each server (the embedded PostgreSQL, which has pgvector, and the one at
127.0.0.1:5432, which has not: exact search) it builds, or reuses when a complete one is
there, a database `bench_themes`: one organisation of a company, 20 regions and 100 stores
in each, managers on the company, every region and a tenth of the stores, frontline staff
in the stores, and `--insights` insights spread unevenly over the stores and twelve months,
written with COPY. Each insight's vector is one of the evaluation set's 384 real texts
(`tests/themes/bilingual_insights.json`, embedded once with the bundled model and centred)
plus Gaussian noise, renormalised: the model runs 384 times, not 100,000.

Then, per server: `app.themes.vectors.nearest` as the company manager, a region manager
and a store manager, all and open only, each query in a transaction entered as a request
does (`tenancy.enter`, so RLS applies); on the pgvector server also the bare ceiling (the
same ORDER BY ... LIMIT 5 without any visibility filter, raw asyncpg) and EXPLAIN of the
company manager's statement; and `app.themes.reclustering.recluster` end to end, in a
process of its own for its peak RSS. Appends to bench/results/themes_scale.md. The
databases are dropped at the end unless `--keep`.
"""

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from sqlalchemy import event, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.org import service as org_service  # noqa: E402
from app.org.models import Role, UnitKind  # noqa: E402
from app.platform import tenancy  # noqa: E402
from app.platform.db import create_engine, session_factory, start_embedded_server  # noqa: E402
from app.platform.migrations import upgrade  # noqa: E402
from app.routing import service as routing_service  # noqa: E402
from app.themes import reclustering, vectors  # noqa: E402

DATABASE = "bench_themes"
SLUG = "bench-themes"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATA = ROOT / "tests" / "themes" / "bilingual_insights.json"
CACHE = ROOT / ".insight" / "bench" / "themes_scale_base_vectors.npz"
RESULTS = ROOT / "bench" / "results" / "themes_scale.md"
REGIONS, STORES_PER_REGION = 20, 100
UNITS = 1 + REGIONS + REGIONS * STORES_PER_REGION
FRONTLINE = 480
# Per-component noise added to a base text's vector: a copy stays about 0.96 alike to it.
NOISE = 0.015
SEED = 20261201
COPY_BATCH = 5000
TARGET_P95_MS = 50.0
AGREEMENT_QUERIES = 10
KINDS = ("observation", "customer_story", "idea", "complaint", "praise")
KIND_WEIGHTS = (0.35, 0.2, 0.15, 0.25, 0.05)


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


# ---------------------------------------------------------------------------------------
# Building the database


def base_vectors() -> tuple[list[str], list[str], np.ndarray, str]:
    """The evaluation set's texts, embedded once with the real model and centred."""
    items = json.loads(DATA.read_text(encoding="utf-8"))["insights"]
    texts = [item[lang] for item in items for lang in ("en", "fi")]
    languages = [lang for _ in items for lang in ("en", "fi")]
    from app.themes import centring
    from app.themes.embedder import load_embedder

    embedder = load_embedder(None)
    if CACHE.exists():
        cached = np.load(CACHE, allow_pickle=False)
        if str(cached["model"]) == embedder.name and list(cached["texts"]) == texts:
            return texts, languages, cached["vectors"], embedder.name
    started = time.perf_counter()
    raw = embedder.embed(texts)
    found = centring.centred(raw, languages, embedder.name)
    print(f"  embedded {len(texts)} base texts in {time.perf_counter() - started:.1f} s")
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, model=embedder.name, texts=np.array(texts), vectors=found)
    return texts, languages, found, embedder.name


def noisy(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = base + rng.normal(0.0, NOISE, size=base.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


async def complete(server: str, n: int) -> bool:
    conn = await connect(server)
    try:
        note = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            DATABASE,
        )
    finally:
        await conn.close()
    return note == f"themes_scale complete {n}"


@dataclass
class Org:
    id: uuid.UUID
    root: Any
    regions: list[Any]
    stores: list[list[Any]]


async def build_org(url: str) -> tuple[Org, dict[str, list[tuple[uuid.UUID, uuid.UUID]]]]:
    """The organisation through app.org.service; returns people by home store id."""
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    staff: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    async with sessions() as session, session.begin():
        org, root = await org_service.create_organisation(session, name="Bench Oy", slug=SLUG)
        await routing_service.add_default_rule(session, org)
        built = Org(org.id, root, [], [])
        for r in range(REGIONS):
            region = await org_service.create_unit(
                session,
                org_id=org.id,
                parent_id=root.id,
                name=f"Region {r:02}",
                kind=UnitKind.REGION,
            )
            built.regions.append(region)
            stores = []
            for s in range(STORES_PER_REGION):
                stores.append(
                    await org_service.create_unit(
                        session,
                        org_id=org.id,
                        parent_id=region.id,
                        name=f"Store {r:02}-{s:02}",
                        kind=UnitKind.STORE,
                    )
                )
            built.stores.append(stores)

        async def person(key: str, home: Any, role: Role, unit: Any) -> uuid.UUID:
            p = await org_service.create_person(
                session,
                org_id=org.id,
                email=f"{key}@bench.test",
                display_name=key,
                home_unit_id=home.id,
                subject=f"bench|{key}",
            )
            await org_service.grant_role(
                session, org_id=org.id, person_id=p.id, role=role, unit_id=unit.id
            )
            return p.id

        await person("company", root, Role.MANAGER, root)
        rng = np.random.default_rng(SEED)
        for r, region in enumerate(built.regions):
            await person(f"region-{r:02}", region, Role.MANAGER, region)
            for s in range(0, STORES_PER_REGION, 10):
                store = built.stores[r][s]
                pid = await person(f"store-{r:02}-{s:02}", store, Role.MANAGER, store)
                staff.setdefault(str(store.id), []).append((pid, store.id))
        flat = [store for stores in built.stores for store in stores]
        for i in range(FRONTLINE):
            store = flat[int(rng.integers(len(flat)))]
            pid = await person(f"staff-{i:03}", store, Role.FRONTLINE, store)
            staff.setdefault(str(store.id), []).append((pid, store.id))
    await engine.dispose()
    return built, staff


INSIGHT_COLUMNS = (
    "org_id", "id", "unit_id", "shown_unit_id", "author_id", "kind", "text", "language",
    "customer_impact", "occurred_at", "visibility", "status", "owner_unit_id", "ack_due_at",
    "respond_due_at", "ack_minutes", "respond_minutes", "acknowledged_at", "closed_at",
    "merged_into_id", "endorsement_count", "version", "created_at", "updated_at",
)  # fmt: skip


def status_for(age_days: float, rng: np.random.Generator) -> str:
    if age_days > 30:
        choices, weights = (
            ("resolved", "declined", "in_progress", "acknowledged", "new", "merged"),
            (0.74, 0.1, 0.05, 0.04, 0.02, 0.05),
        )
    else:
        choices, weights = (
            ("new", "acknowledged", "in_progress", "resolved", "declined", "merged"),
            (0.3, 0.25, 0.2, 0.15, 0.05, 0.05),
        )
    return str(rng.choice(choices, p=weights))


async def build(server: str, n: int, pgvector_expected: bool) -> None:
    url = with_database(server, DATABASE)
    started = time.perf_counter()
    admin = await connect(server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    await admin.close()
    await asyncio.to_thread(upgrade, url)
    texts, languages, bases, model = base_vectors()
    org, staff = await build_org(url)
    print(f"  organisation built ({time.perf_counter() - started:.0f} s)")

    rng = np.random.default_rng(SEED + 1)
    flat = [(r, store) for r, stores in enumerate(org.stores) for store in stores]
    # Stores differ a lot in how much their staff write: lognormal weights.
    weights = rng.lognormal(0.0, 1.0, len(flat))
    weights /= weights.sum()
    by_region: dict[int, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    for r, store in flat:
        by_region.setdefault(r, []).extend(staff.get(str(store.id), []))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    last_in_unit: dict[uuid.UUID, uuid.UUID] = {}

    conn = await connect(url)
    has_vector = bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE indexname = $1", vectors.VECTOR_INDEX
        )
    )
    if has_vector != pgvector_expected:
        print(f"  note: pgvector index present = {has_vector}")
    if has_vector:
        # Built once after the load, as CREATE INDEX does it far faster than row by row.
        await conn.execute(f"DROP INDEX {vectors.VECTOR_INDEX}")
    store_choice = rng.choice(len(flat), size=n, p=weights)
    # More insights lately: created times skewed towards now over twelve months.
    ages = 365.0 * (1.0 - np.sqrt(rng.uniform(0.0, 1.0, n)))
    base_choice = rng.integers(len(texts), size=n)
    done = 0
    next_report = 0.1
    for start in range(0, n, COPY_BATCH):
        stop = min(n, start + COPY_BATCH)
        insight_rows = []
        embedding_rows = []
        batch_vectors = noisy(bases[base_choice[start:stop]], rng)
        for i in range(start, stop):
            r, store = flat[int(store_choice[i])]
            people = staff.get(str(store.id)) or by_region[r]
            author = people[int(rng.integers(len(people)))][0]
            created = now - timedelta(days=float(ages[i]), minutes=int(rng.integers(0, 600)))
            status = status_for(float(ages[i]), rng)
            merged_into = last_in_unit.get(store.id) if status == "merged" else None
            if status == "merged" and merged_into is None:
                status = "new"
            confidential = rng.uniform() < 0.15
            region = org.regions[r]
            escalated = status in ("new", "acknowledged") and ages[i] > 7 and rng.uniform() < 0.3
            closed = status in ("resolved", "declined", "merged")
            acknowledged = status != "new"
            insight_id = uuid.uuid4()
            base = int(base_choice[i])
            insight_rows.append(
                (
                    org.id,
                    insight_id,
                    store.id,
                    region.id if confidential else store.id,
                    author,
                    str(rng.choice(KINDS, p=KIND_WEIGHTS)),
                    texts[base],
                    languages[base],
                    int(rng.integers(0, 4)),
                    created - timedelta(hours=int(rng.integers(0, 48))),
                    "confidential" if confidential else "named",
                    status,
                    region.id if escalated else store.id,
                    created + timedelta(hours=48),
                    created + timedelta(days=7),
                    48 * 60,
                    168 * 60,
                    created + timedelta(hours=int(rng.integers(1, 60))) if acknowledged else None,
                    created + timedelta(days=int(rng.integers(1, 20))) if closed else None,
                    merged_into,
                    int(rng.poisson(0.4)),
                    1,
                    created,
                    created,
                )
            )
            embedding_rows.append(
                (org.id, insight_id, model, batch_vectors[i - start].tolist(), created)
            )
            if status != "merged":
                last_in_unit[store.id] = insight_id
        await conn.copy_records_to_table("insights", records=insight_rows, columns=INSIGHT_COLUMNS)
        await conn.copy_records_to_table(
            "insight_embeddings",
            records=embedding_rows,
            columns=("org_id", "insight_id", "model", "embedding", "created_at"),
        )
        done = stop
        while done / n >= next_report - 1e-9:
            print(
                f"  {next_report:4.0%} {done:,} insights and vectors written "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            next_report += 0.1
    await conn.execute("DELETE FROM embedding_backlog WHERE org_id = $1", org.id)
    if has_vector:
        index_started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute(
            f"CREATE INDEX {vectors.VECTOR_INDEX} ON insight_embeddings "
            "USING hnsw ((embedding::vector(384)) vector_cosine_ops)"
        )
        print(f"  HNSW index built in {time.perf_counter() - index_started:.0f} s")
    await conn.execute("VACUUM ANALYZE")
    await conn.execute(f"COMMENT ON DATABASE \"{DATABASE}\" IS 'themes_scale complete {n}'")
    await conn.close()
    print(f"  built in {time.perf_counter() - started:.0f} s")


# ---------------------------------------------------------------------------------------
# Similar-insight lookup


def percentiles(samples: Sequence[float]) -> tuple[float, float, float]:
    ordered = np.asarray(samples)
    p50, p95, p99 = np.percentile(ordered, [50, 95, 99])
    return float(p50), float(p95), float(p99)


async def typical_store_manager(session: Any) -> str:
    """The store manager whose store has the median number of insights among managed ones."""
    counts = (
        await session.execute(
            text(
                "SELECT p.subject, count(i.id) AS n FROM people p "
                "LEFT JOIN insights i ON i.org_id = p.org_id AND i.unit_id = p.home_unit_id "
                "WHERE p.subject LIKE 'bench|store-%' GROUP BY p.subject ORDER BY n, p.subject"
            )
        )
    ).all()
    return str(counts[len(counts) // 2].subject)


def trimmed(plan: str) -> str:
    """The plan without the query vector's 384 numbers."""
    return re.sub(r"'\[[-0-9.e,]+\]'", "'[…384 numbers…]'", plan)


async def lookups(url: str, queries: np.ndarray, model: str) -> dict[str, Any]:
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    out: dict[str, Any] = {"rows": [], "load": load()}
    async with sessions() as session:
        method = await vectors.search_method(session)
        actors = {}
        for who, subject in (
            ("company manager", "bench|company"),
            ("region manager", "bench|region-00"),
            ("store manager", await typical_store_manager(session)),
        ):
            actors[who] = await org_service.load_principal(session, subject)
        visible = {}
        for who, actor in actors.items():
            assert actor is not None
            paths = [g.unit_path + "%" for g in actor.grants]
            visible[who] = await session.scalar(
                text(
                    "SELECT count(*) FROM insights i JOIN units u "
                    "ON u.org_id = i.org_id AND u.id = i.unit_id WHERE u.path LIKE ANY(:p)"
                ),
                {"p": paths},
            )
    out["method"] = str(method)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "<=>" in statement:
            captured.append((statement, parameters))

    for who, actor in actors.items():
        assert actor is not None
        for open_only in (False, True):
            timings, found = [], []
            # The first few warm the caches and the compiled statements; not timed.
            for i, query in enumerate([*queries[:5], *queries]):
                t0 = time.perf_counter()
                async with sessions() as session, session.begin():
                    await tenancy.enter(session, actor.org_id)
                    result = await vectors.nearest(
                        session,
                        actor,
                        query,
                        model=model,
                        limit=5,
                        min_similarity=0.25,
                        open_only=open_only,
                    )
                if i >= 5:
                    timings.append((time.perf_counter() - t0) * 1000)
                    found.append(len(result))
            # Whether the answers are exact search's, on the first AGREEMENT_QUERIES.
            same = 0
            for query in queries[:AGREEMENT_QUERIES]:
                async with sessions() as session, session.begin():
                    await tenancy.enter(session, actor.org_id)
                    got = await vectors.nearest(
                        session,
                        actor,
                        query,
                        model=model,
                        limit=5,
                        min_similarity=0.25,
                        open_only=open_only,
                    )
                    conditions, params = vectors._candidates(
                        actor, model, open_only=open_only, exclude=()
                    )
                    exact = await vectors._nearest_exact(session, query, conditions, params, 5)
                kept = sorted(
                    (n for n in exact if n.similarity >= 0.25),
                    key=lambda n: (-round(n.similarity, 6), n.insight_id),
                )[:5]
                same += [n.insight_id for n in got] == [n.insight_id for n in kept]
            p50, p95, p99 = percentiles(timings)
            out["rows"].append(
                {
                    "actor": who,
                    "visible": visible[who],
                    "open_only": open_only,
                    "queries": len(timings),
                    "p50": p50,
                    "p95": p95,
                    "p99": p99,
                    "found": statistics.mean(found),
                    "same": f"{same}/{min(AGREEMENT_QUERIES, len(queries))}",
                }
            )
            print(
                f"  {method} {who:16} open_only={open_only!s:5} p50 {p50:7.1f} ms "
                f"p95 {p95:7.1f} ms p99 {p99:7.1f} ms ({statistics.mean(found):.1f} found, "
                f"{same} of {min(AGREEMENT_QUERIES, len(queries))} as exact search)",
                flush=True,
            )

    if method is vectors.SearchMethod.PGVECTOR:
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        out["explain"] = {}
        for who in ("company manager", "store manager"):
            actor = actors[who]
            assert actor is not None
            captured.clear()
            async with sessions() as session, session.begin():
                await tenancy.enter(session, actor.org_id)
                await vectors.nearest(
                    session, actor, queries[0], model=model, limit=5, min_similarity=0.25
                )
                statement, parameters = captured[-1]
                connection = await session.connection()
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                plan = await driver.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters)
            out["explain"][who] = trimmed("\n".join(r[0] for r in plan))
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        out["bare"] = await bare_ceiling(url, queries)
        print(f"  bare ceiling p50 {out['bare'][0]:.1f} p95 {out['bare'][1]:.1f} ms", flush=True)
    await engine.dispose()
    return out


async def bare_ceiling(url: str, queries: np.ndarray) -> tuple[float, float, float]:
    conn = await connect(url)
    await conn.execute(f"SET hnsw.ef_search = {vectors.EF_SEARCH}")
    statement = await conn.prepare(
        "SELECT insight_id, embedding::vector(384) <=> $1::text::vector(384) AS distance "
        "FROM insight_embeddings ORDER BY embedding::vector(384) <=> $1::text::vector(384) "
        "LIMIT 5"
    )
    timings = []
    for i, query in enumerate([*queries[:5], *queries]):
        t0 = time.perf_counter()
        await statement.fetch(vectors.vector_literal(query))
        if i >= 5:
            timings.append((time.perf_counter() - t0) * 1000)
    await conn.close()
    return percentiles(timings)


# ---------------------------------------------------------------------------------------
# Re-clustering, in a process of its own


async def recluster_here(url: str, model: str) -> dict[str, Any]:
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    async with sessions() as session:
        org_id = await session.scalar(
            text("SELECT id FROM organisations WHERE slug = :s"), {"s": SLUG}
        )
        themes_before = await session.scalar(
            text("SELECT count(*) FROM themes WHERE org_id = :o"), {"o": org_id}
        )
    events: list[tuple[str, int, int, float]] = []

    async def progress(step: str, done: int, total: int) -> None:
        events.append((step, done, total, time.perf_counter()))

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    uptime = load()
    t0 = time.perf_counter()
    outcome = await reclustering.recluster(sessions, org_id, model=model, progress=progress)
    total = time.perf_counter() - t0
    await engine.dispose()

    def first(step: str) -> float:
        return next(t for s, _, _, t in events if s == step) - t0

    def last(step: str) -> float:
        return [t for s, _, _, t in events if s == step][-1] - t0

    steps = {
        "reading": last("reading"),
        "clustering": last("clustering") - first("clustering"),
        "labelling, theme rows, old members deleted": first("writing") - first("labelling"),
        "writing members": last("writing") - first("writing"),
        "commit": total - last("writing"),
    }
    return {
        "total": total,
        "steps": steps,
        "outcome": outcome.as_dict(),
        "themes_before": themes_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
        "load": uptime,
    }


def recluster_in_child(url: str, model: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--recluster-only", url, "--model", model],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}, commit {commit()}, {os.cpu_count()} CPUs, "
        f"`python bench/themes_scale.py --insights {args.insights}`",
        "",
        f"{args.insights:,} insights in one organisation of {UNITS:,} "
        f"units (a company, {REGIONS} regions of {STORES_PER_REGION} stores); store weights "
        "lognormal, created times skewed to the last months of twelve. Vectors: the "
        "evaluation set's 384 real texts embedded and centred, each insight one of them plus "
        f"Gaussian noise (σ = {NOISE} a component, about 0.96 alike to its text), renormalised. "
        "Query vectors the same way, with fresh noise. The machine runs other work too: the "
        "load average (1, 5, 15 min) is given with each figure.",
        "",
        "### Similar-insight lookup: `vectors.nearest(limit=5, min_similarity=0.25)`",
        "",
        "Each query is a transaction as a request makes it: `tenancy.enter`, then `nearest`. "
        f"Target: p95 < {TARGET_P95_MS:.0f} ms with pgvector.",
        "",
        "| server | search | actor (insights in reach) | open only | queries | p50 ms | p95 ms "
        "| p99 ms | found | as exact search | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in results.items():
        lookup = result.get("lookup")
        if not lookup:
            continue
        if "bare" in lookup:
            p50, p95, p99 = lookup["bare"]
            lines.append(
                f"| {name} | bare ceiling: raw asyncpg, no filter | – | – | {args.queries} | "
                f"{p50:.1f} | {p95:.1f} | {p99:.1f} | 5 | – | {lookup['load']} |"
            )
        for row in lookup["rows"]:
            lines.append(
                f"| {name} | {lookup['method']} | {row['actor']} ({row['visible']:,}) | "
                f"{'yes' if row['open_only'] else 'no'} | {row['queries']} | {row['p50']:.1f} | "
                f"{row['p95']:.1f} | {row['p99']:.1f} | {row['found']:.1f} | {row['same']} | "
                f"{lookup['load']} |"
            )
    for name, result in results.items():
        lookup = result.get("lookup")
        for who, plan in (lookup or {}).get("explain", {}).items():
            lines += [
                "",
                f"EXPLAIN (ANALYZE, BUFFERS) of the {who}'s query on {name}:",
                "",
                "```",
                plan,
                "```",
            ]
    lines += [
        "",
        "### Re-clustering: `reclustering.recluster` end to end",
        "",
        "| server | insights | themes before | themes after (new, kept, retired) | total s | "
        "reading s | clustering s | labelling, theme rows, old members deleted s | "
        "writing members s | commit s | peak RSS MB | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in results.items():
        run = result.get("recluster")
        if not run:
            continue
        o, s = run["outcome"], run["steps"]
        lines.append(
            f"| {name} | {o['insights']:,} | {run['themes_before']} | {o['themes']} "
            f"({o['created']}, {o['kept']}, {o['retired']}) | {run['total']:.1f} | "
            + " | ".join(f"{v:.1f}" for v in s.values())
            + f" | {run['peak_rss_mb']:.0f} | {run['load']} |"
        )
    lines.append("")
    return "\n".join(lines)


async def run_server(name: str, server: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{name}: {make_url(server).render_as_string(hide_password=True)}", flush=True)
    if not args.skip_build and not await complete(server, args.insights):
        await build(server, args.insights, name == "embedded")
    else:
        print("  reusing the complete database")
    url = with_database(server, DATABASE)
    texts, _, bases, model = base_vectors()
    rng = np.random.default_rng(SEED + 2)
    queries = noisy(bases[rng.integers(len(texts), size=args.queries)], rng)
    result: dict[str, Any] = {}
    engine = create_engine(url, pool_size=1)
    async with session_factory(engine)() as session:
        method = await vectors.search_method(session)
    await engine.dispose()
    if method is vectors.SearchMethod.EXACT:
        queries = queries[: args.exact_queries]
    result["lookup"] = await lookups(url, queries, model)
    if not args.skip_recluster:
        result["recluster"] = recluster_in_child(url, model)
        print(f"  recluster {json.dumps(result['recluster'])}", flush=True)
    return result


async def main(args: argparse.Namespace) -> None:
    if args.recluster_only:
        print(json.dumps(await recluster_here(args.recluster_only, args.model)))
        return
    results: dict[str, dict[str, Any]] = {}
    servers = {
        "embedded": lambda: start_embedded_server(ROOT / ".insight" / "bench", database="postgres"),
        "local": lambda: LOCAL_SERVER,
    }
    for name in args.servers.split(","):
        server = servers[name]()
        label = (
            "embedded PostgreSQL 16 + pgvector"
            if name == "embedded"
            else "PostgreSQL 15, 127.0.0.1"
        )
        results[label] = await run_server(name, server, args)
        if not args.keep:
            admin = await connect(server)
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            await admin.close()
    written = report(args, results)
    print(written)
    if not args.no_record:
        if not RESULTS.exists():
            RESULTS.write_text("# themes_scale.py results\n\n", encoding="utf-8")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(written + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="embedded,local")
    parser.add_argument("--insights", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--exact-queries", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep bench_themes for the next run")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-recluster", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--recluster-only", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    asyncio.run(main(parser.parse_args()))
