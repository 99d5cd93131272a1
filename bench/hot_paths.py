"""Benchmark of the two hot paths against the bare-asyncpg ceiling.

    .venv/bin/python bench/hot_paths.py [--seconds 10] [--connections 32]

Needs `wrk` (Debian: apt-get install wrk). Uses INSIGHT_DATABASE_URL or the embedded server,
in a fresh database `insight_bench`. Each server runs as one uvicorn process, as in
production, with wrk on the same machine. Appends a row to bench/results/hot_paths.md.
"""

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.tokens import BuiltinKeys, issue_access_token  # noqa: E402
from app.insights import posting  # noqa: E402
from app.insights.models import InsightKind  # noqa: E402
from app.insights.schemas import InsightCreate  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.org.models import Role, UnitKind  # noqa: E402
from app.platform import clock  # noqa: E402
from app.platform.db import create_engine, session_factory, start_embedded_server, transaction  # noqa: E402
from app.platform.migrations import upgrade  # noqa: E402
from app.routing import service as routing_service  # noqa: E402

DATABASE = "insight_bench"
TEXT = ("Asiakas kertoi, että itsepalvelukassa ei hyväksy bonuskorttia aamuisin. " * 14)[:1000]


def server_url() -> str:
    url = os.environ.get("INSIGHT_DATABASE_URL")
    if url:
        return url
    return start_embedded_server(ROOT / ".insight" / "bench", database="postgres")


async def reset_database(url: str) -> str:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        password=parsed.password,
        database=parsed.database,
    )
    await conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE {DATABASE}")
    await conn.close()
    return parsed.set(database=DATABASE).render_as_string(hide_password=False)


async def seed(url: str, backlog: int) -> tuple[str, str]:
    """A store with a manager and a frontline employee, and `backlog` insights in the inbox.
    Returns tokens for the employee and the manager."""
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
        for i in range(backlog):
            await posting.create_insight(
                session,
                actor,
                InsightCreate(kind=InsightKind.OBSERVATION, text=f"{i}: {TEXT}", language="fi"),
            )
    # A live database has statistics; a freshly filled one gets them now.
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    keys = BuiltinKeys(sessions)
    tokens = []
    for person in (staff, boss):
        tokens.append(
            await issue_access_token(
                keys,
                issuer="http://127.0.0.1:8000",
                audience="insight-api",
                subject=person.subject,
                lifetime_seconds=3600,
            )
        )
    await engine.dispose()
    return tokens[0], tokens[1]


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *args, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def wrk(url: str, seconds: int, connections: int, lua: str | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua or "")
    if lua:
        command += ["-s", script.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def latency(pct: str) -> float:
        match = re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def lua_request(method: str, token: str | None, body: dict[str, str] | None) -> str:
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if body:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--backlog", type=int, default=500)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    clock.freeze(None)

    url = asyncio.run(reset_database(server_url()))
    upgrade(url)
    staff, boss = asyncio.run(seed(url, args.backlog))
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    # Background work runs in separate worker processes in production, not in the API's.
    env = {
        "INSIGHT_DATABASE_URL": url,
        "INSIGHT_PUBLIC_URL": "http://127.0.0.1:8000",
        "INSIGHT_INPROCESS_WORKER": "false",
        # One token drives the whole load: the per-person and per-organisation limits
        # would turn it into a measurement of 429s.
        "INSIGHT_RATE_LIMIT_PERSON_PER_MINUTE": "0",
        "INSIGHT_RATE_LIMIT_ORG_PER_MINUTE": "0",
    }
    platform_server = start(["--factory", "app.main:create_app"], env, 8801)
    baseline_server = start(["bench.baseline:app"], {"BENCH_DSN": dsn}, 8802)
    body = {"kind": "observation", "text": TEXT}
    try:
        runs = {
            "insert: bare asyncpg": wrk(
                "http://127.0.0.1:8802/rows",
                args.seconds,
                args.connections,
                lua_request("POST", None, body),
            ),
            "insert: POST /api/v1/insights": wrk(
                "http://127.0.0.1:8801/api/v1/insights",
                args.seconds,
                args.connections,
                lua_request("POST", staff, body),
            ),
            "page of 50: bare asyncpg": wrk(
                "http://127.0.0.1:8802/rows", args.seconds, args.connections, None
            ),
            "page of 50: GET /api/v1/inbox": wrk(
                "http://127.0.0.1:8801/api/v1/inbox?limit=50",
                args.seconds,
                args.connections,
                lua_request("GET", boss, None),
            ),
        }
    finally:
        platform_server.terminate()
        baseline_server.terminate()

    insert_ratio = (
        runs["insert: POST /api/v1/insights"]["rps"] / runs["insert: bare asyncpg"]["rps"]
    )
    read_ratio = (
        runs["page of 50: GET /api/v1/inbox"]["rps"] / runs["page of 50: bare asyncpg"]["rps"]
    )
    lines = [
        f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} |"
        for name, r in runs.items()
    ]
    print("| run | req/s | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|")
    print("\n".join(lines))
    print(f"post ratio {insert_ratio:.2f}, inbox ratio {read_ratio:.2f}")

    results = ROOT / "bench" / "results" / "hot_paths.md"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    with results.open("a", encoding="utf-8") as out:
        out.write(
            f"\n## {stamp} UTC, commit {commit}, {platform.node() and 'this machine'}, "
            f"{args.connections} connections, {args.seconds}s each, backlog {args.backlog}\n\n"
            "| run | req/s | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|\n"
            + "\n".join(lines)
            + f"\n\nPOST /insights at {insert_ratio:.2f} of the bare insert; "
            f"GET /inbox (50) at {read_ratio:.2f} of the bare page.\n"
        )


if __name__ == "__main__":
    main()
