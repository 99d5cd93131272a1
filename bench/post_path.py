"""Posting one insight at a time: API CPU per post, latency, and resident memory.

    .venv/bin/python bench/post_path.py [--posts 1000] [--root DIR]

Seeds a fresh database (`insight_post_path`, on INSIGHT_DATABASE_URL or the embedded
server) as `hot_paths.py` does, starts one API process (uvicorn, the application under
`--root`, this checkout by default), and records its VmRSS once started. Then posts
`--posts` insights one after another over one keep-alive connection, without and with an
Idempotency-Key, with `similar=false` (the posting path alone), and reports the API
process's CPU time per post (from /proc, user + system), the client's p50 and p99, and
VmRSS afterwards. Appends to bench/results/post_path.md.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app.tables  # noqa: E402, F401  (every model, for the seed's foreign keys)
from bench import hot_paths  # noqa: E402

DATABASE = "insight_post_path"
PORT = 8871


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run(client: httpx.Client, pid: int, token: str, posts: int, keyed: bool) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"kind": "observation", "text": hot_paths.TEXT}
    latencies = []
    cpu = _cpu_seconds(pid)
    for _ in range(posts):
        extra = {"Idempotency-Key": str(uuid.uuid4())} if keyed else {}
        started = time.perf_counter()
        response = client.post(
            "/api/v1/insights?similar=false", json=body, headers={**headers, **extra}
        )
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.text
    cpu = _cpu_seconds(pid) - cpu
    latencies.sort()
    return {
        "cpu_ms": cpu / posts * 1000,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--label", default="")
    parser.add_argument("--profile", type=Path, help="write py-spy's collapsed stacks here")
    args = parser.parse_args()
    server = hot_paths.server_url()
    hot_paths.DATABASE = DATABASE
    url = asyncio.run(hot_paths.reset_database(server))
    subprocess.run(
        [sys.executable, "-c", f"from app.platform.migrations import upgrade; upgrade({url!r})"],
        cwd=args.root,
        check=True,
    )
    staff, _ = asyncio.run(hot_paths.seed(url, 50))
    env = {
        **os.environ,
        "INSIGHT_DATABASE_URL": url,
        "INSIGHT_PUBLIC_URL": "http://127.0.0.1:8000",
        "INSIGHT_INPROCESS_WORKER": "false",
        "INSIGHT_RATE_LIMIT_PERSON_PER_MINUTE": "0",
        "INSIGHT_RATE_LIMIT_ORG_PER_MINUTE": "0",
        "PYTHONPATH": str(args.root),
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"),
            *("--port", str(PORT), "--log-level", "warning"),
        ],
        cwd=args.root,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{PORT}/docs", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the API did not start") from None
                time.sleep(0.2)
        time.sleep(1)
        rss_start = _rss_mb(process.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            _run(client, process.pid, staff, 100, keyed=False)  # warm up
            if args.profile:
                # py-spy's collapsed stacks of the API process over the plain posts.
                subprocess.Popen(
                    [
                        *(str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw"),
                        *("-r", "250", "-o", str(args.profile), "-p", str(process.pid)),
                    ]
                )
                time.sleep(1)
            plain = _run(client, process.pid, staff, args.posts, keyed=False)
            keyed = _run(client, process.pid, staff, args.posts, keyed=True)
        rss_after = _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    lines = [
        f"| {name} | {r['cpu_ms']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |"
        for name, r in (("POST, no key", plain), ("POST, Idempotency-Key", keyed))
    ]
    table = "| one at a time | API CPU ms/post | p50 ms | p99 ms |\n|---|---|---|---|\n"
    memory = f"VmRSS at start {rss_start:.0f} MB, after the posts {rss_after:.0f} MB"
    print(table + "\n".join(lines) + "\n" + memory)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    with (ROOT / "bench" / "results" / "post_path.md").open("a", encoding="utf-8") as out:
        out.write(
            f"\n## {stamp} UTC, commit {commit} {args.label}, {args.posts} posts, "
            f"{make_url(url).host or 'embedded'}\n\n" + table + "\n".join(lines) + f"\n\n{memory}\n"
        )


if __name__ == "__main__":
    main()
