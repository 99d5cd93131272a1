"""Listening metrics of a whole company at scale: the read a company manager makes.

Runs `app.analytics.service.listening_metrics` for the top of the organisation, grouped by
child unit, with weekly buckets, over the last 30 and 365 days, against a database that
already holds the organisation (by default `bench/scale_data.py`'s), and prints the median
time of a few runs and the plan of the metrics statement.

    .venv/bin/python bench/listening_metrics.py postgresql+asyncpg://postgres@127.0.0.1/insight_scale
"""

import argparse
import asyncio
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from app.analytics import service
from app.analytics.schemas import MetricsBucket, MetricsGrouping, MetricsQuery
from app.org import service as org_service
from app.platform import clock, tenancy
from app.platform.db import create_engine, session_factory


async def main(args: argparse.Namespace) -> None:
    engine = create_engine(args.url, pool_size=1)
    sessions = session_factory(engine)
    async with sessions() as session:
        subject = await session.scalar(
            text(
                "SELECT p.subject FROM role_grants g JOIN units u ON u.org_id = g.org_id "
                "AND u.id = g.unit_id JOIN people p ON p.org_id = g.org_id AND p.id = g.person_id "
                "WHERE g.role = 'manager' AND u.depth = 0 ORDER BY p.subject LIMIT 1"
            )
        )
        now = await session.scalar(text("SELECT max(created_at) FROM insights"))
    assert subject is not None and now is not None
    # Open and overdue counts are as of the request: fixed, so runs compare.
    clock.freeze(now)
    sent: list[tuple[str, Any, float]] = []
    started: list[float] = []

    def before(*_: object) -> None:
        started.append(time.perf_counter())

    def after(conn: object, cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters, time.perf_counter() - started.pop()))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    for days in args.days:
        query = MetricsQuery(
            start=now - timedelta(days=days),
            end=now,
            group_by=[MetricsGrouping.UNIT],
            bucket=MetricsBucket.WEEK,
        )
        times = []
        for _ in range(args.runs):
            async with sessions() as session, session.begin():
                principal = await org_service.load_principal(session, subject)
                assert principal is not None
                await tenancy.enter(session, principal.org_id)
                sent.clear()
                t0 = time.perf_counter()
                result = await service.listening_metrics(session, principal, query)
                times.append(time.perf_counter() - t0)
        if args.dump:
            dump = Path(args.dump) / f"{days}.json"
            await asyncio.to_thread(dump.write_text, result.model_dump_json(indent=1), "utf-8")
        slowest = sorted(sent, key=lambda s: -s[2])[:3]
        print(
            f"{days:4d} days: median {statistics.median(times) * 1000:8.1f} ms "
            f"(runs {', '.join(f'{t * 1000:.0f}' for t in times)}); "
            f"{result.totals.insights:,} insights, {len(result.units or [])} units, "
            f"{len(result.trend or [])} buckets; statements "
            + ", ".join(f"{d * 1000:.0f} ms" for _, _, d in slowest)
        )
        if args.explain:
            statement, parameters, _ = slowest[0]
            async with sessions() as session, session.begin():
                await tenancy.enter(session, principal.org_id)
                connection = await session.connection()
                plan = await connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                )
                print("\n".join(row[0] for row in plan))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the slowest's plan")
    parser.add_argument("--dump", help="a directory to write each period's result to as JSON")
    asyncio.run(main(parser.parse_args()))
