"""The jobs of a worker that died (no heartbeat) run again on another worker."""

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs import build_queue, run_worker
from app.platform.queue import retry_stalled_jobs


async def test_a_job_of_a_worker_without_a_heartbeat_runs_again_on_another(
    database_url: str, sessions: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    # A rate-limit row whose time has passed: the job removes it when it runs.
    key = str(uuid.uuid4())
    await session.execute(
        text("INSERT INTO rate_limits (limiter, key, tat) VALUES ('person', :key, 0)"),
        {"key": key},
    )
    await session.flush()
    lane = f"stalled-{uuid.uuid4().hex[:8]}"
    queue = build_queue(database_url)
    async with queue.open_async():
        manager = queue.job_manager
        job_id = await queue.configure_task("purge_rate_limits", queue=lane).defer_async(
            timestamp=0
        )
        # A worker takes the job, then dies with it in hand: its heartbeat stops.
        dead = await manager.register_worker()
        taken = await manager.fetch_job(queues=[lane], worker_id=dead)
        assert taken is not None and taken.id == job_id
        async with queue.connector.pool.connection() as connection:  # type: ignore[attr-defined]
            await connection.execute(
                "UPDATE procrastinate.procrastinate_workers"
                " SET last_heartbeat = now() - interval '10 minutes' WHERE id = %s",
                (dead,),
            )
        # A live worker's job is not stalled: nothing else is queued again.
        assert await retry_stalled_jobs(queue, seconds=3600) == 0
        # Another worker starts, puts the dead worker's job back and runs it once.
        await run_worker(queue, sessions, wait=False, install_signal_handlers=False)
        assert list(await manager.list_jobs_async(id=job_id)) == []
        assert await retry_stalled_jobs(queue, seconds=60) == 0
    left = await session.scalar(
        text("SELECT count(*) FROM rate_limits WHERE key = :key"), {"key": key}
    )
    assert left == 0
