"""The PostgreSQL-backed task queue (procrastinate) and the worker loop that runs it.

Which tasks exist is the business of `app/jobs.py`; this module knows none of them.

The queue keeps its tables in the `procrastinate` schema, created by the migrations; it
reaches the database through psycopg, while the platform's own work stays on asyncpg and
gets its sessions from the worker's context.

A worker that loses the database (a restart, a network failure) stops; `run_worker` starts
it again by itself, after a pause that grows while the database stays away.

Every worker sends a heartbeat a few times per `stalled_seconds`. The jobs of a worker whose
heartbeat is older than that (it was killed, its machine died) are put back in the queue
(`retry_stalled_jobs`) when a worker starts and by a periodic task, and another worker runs
them.
"""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate
import psycopg
from procrastinate import signals
from procrastinate.worker import Worker
from sqlalchemy import make_url

from app.platform import logs, request_ids
from app.platform.db import unavailable

log = logging.getLogger(__name__)
job_log = logging.getLogger("insight.jobs")

SCHEMA = "procrastinate"
# A job's context holds the platform's session factory under this key.
SESSIONS = "sessions"
# A worker that lost the database starts again after the first pause, doubling up to the
# second; once it has run that long without trouble, the next pause is short again.
RESTART_DELAYS = (0.5, 30.0)
# A worker whose heartbeat is older than this many seconds is taken for dead, and its jobs
# are run again by another (the `stalled_job_seconds` setting); the context holds it under
# this key.
STALLED_SECONDS = 60.0
STALLED = "stalled_seconds"


async def retry_stalled_jobs(queue: procrastinate.App, seconds: float = STALLED_SECONDS) -> int:
    """Put back in the queue the jobs of workers without a heartbeat for `seconds`; returns
    how many."""
    manager = queue.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in stalled:
        await manager.retry_job(job)
    if stalled:
        log.warning(
            "%d jobs of a worker without a heartbeat for %.0f s are queued again",
            len(stalled),
            seconds,
        )
    return len(stalled)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def queue_app(url: str, *, pool_size: int = 2) -> procrastinate.App:
    """A queue over the database at `url`, with no task registered yet; nothing connects
    until it is opened."""
    connector = procrastinate.PsycopgConnector(
        conninfo=_conninfo(url),
        kwargs={"options": f"-c search_path={SCHEMA}"},
        min_size=1,
        max_size=pool_size,
    )
    return procrastinate.App(connector=connector)


Task = Callable[..., Awaitable[Any]]
# While tracing is on: the span of a job run (`app.platform.tracing`).
job_span: Callable[[str], contextlib.AbstractContextManager[None]] | None = None


def observed(task: str, run: Task) -> Task:
    """`run` as a job that runs under a request id (the one it was deferred with, see
    `request_ids.job_arguments`, else a new one) and writes one log line when it ends:
    its task, outcome (`succeeded`, `failed`, `cancelled`) and duration."""

    @functools.wraps(run)
    async def job(context: procrastinate.JobContext, *args: Any, **kwargs: Any) -> Any:
        sent = kwargs.pop(request_ids.JOB_ARGUMENT, None)
        work = request_ids.Work(request_ids.accepted(sent) if sent else request_ids.new())
        token = request_ids.bind(work)
        span = job_span(task) if job_span is not None else contextlib.nullcontext()
        started = time.perf_counter()
        outcome = "failed"
        try:
            with span:
                try:
                    result = await run(context, *args, **kwargs)
                    outcome = "succeeded"
                    return result
                except asyncio.CancelledError:
                    outcome = "cancelled"
                    raise
                finally:
                    seconds = time.perf_counter() - started
                    job_log.log(
                        logging.INFO if outcome == "succeeded" else logging.WARNING,
                        "job",
                        extra={
                            "job": task,
                            "job_id": context.job.id,
                            "queue": context.job.queue,
                            "outcome": outcome,
                            "duration_ms": round(seconds * 1000, 2),
                            "org_id": str(work.org_id) if work.org_id else None,
                            "request_id": work.request_id,
                            **logs.trace_fields(),
                        },
                    )
        finally:
            request_ids.unbind(token)

    return job


def lost_database(exc: BaseException) -> bool:
    """Whether a worker stopped with `exc` because the database went away, rather than for
    a fault of its own. procrastinate wraps psycopg's errors in its own."""
    error: BaseException | None = exc
    while error is not None:
        if isinstance(error, psycopg.OperationalError | OSError) or unavailable(error):
            return True
        error = error.__cause__
    return False


async def run_worker(
    queue: procrastinate.App,
    context: dict[str, Any],
    *,
    wait: bool = True,
    concurrency: int = 1,
    install_signal_handlers: bool = True,
    restart_delays: tuple[float, float] = RESTART_DELAYS,
    shutdown_seconds: float | None = None,
) -> None:
    """Run jobs, each given `context`, until cancelled or stopped by SIGINT or SIGTERM (or,
    with `wait=False`, until none is waiting). A waiting worker that loses the database is
    started again, after `restart_delays`. Once stopped, jobs in hand have `shutdown_seconds`
    to finish (without end when None); then they are aborted and queued again."""
    stalled = float(context.get(STALLED, STALLED_SECONDS))
    options: dict[str, Any] = {
        "wait": wait,
        "concurrency": concurrency,
        "additional_context": {STALLED: stalled, **context},
        "delete_jobs": "successful",
        # A few heartbeats within the time after which a silent worker is taken for dead.
        "update_heartbeat_interval": max(0.5, stalled / 4),
        "stalled_worker_timeout": stalled,
        "shutdown_graceful_timeout": shutdown_seconds,
    }
    if not wait:
        await retry_stalled_jobs(queue, stalled)
        await queue.run_worker_async(install_signal_handlers=install_signal_handlers, **options)
        return
    queue.perform_import_paths()  # type: ignore[no-untyped-call]
    loop = asyncio.get_running_loop()
    stopping = False
    worker: Worker | None = None

    def stop() -> None:
        nonlocal stopping
        stopping = True
        if worker is not None:
            worker.stop()  # type: ignore[no-untyped-call]

    first, longest = restart_delays
    delay = first
    with signals.on_stop(stop) if install_signal_handlers else contextlib.nullcontext():
        while not stopping:
            try:
                await retry_stalled_jobs(queue, stalled)
            except Exception as exc:  # the worker below meets the same trouble and says why
                log.warning("stalled jobs were not checked (%s)", type(exc).__name__)
            worker = Worker(
                app=queue,
                **{**queue.worker_defaults, **options, "install_signal_handlers": False},
            )
            began = loop.time()
            try:
                await worker.run()  # type: ignore[no-untyped-call]
            except Exception as exc:
                if stopping or not lost_database(exc):
                    raise
                reason = repr(exc)
            else:
                # Without a signal, a waiting worker stops only when one of its own tasks
                # (the listener, the heartbeat) failed, and it has logged why.
                reason = "one of its tasks failed"
            if stopping:
                return
            if loop.time() - began >= longest:
                delay = first
            log.warning(
                "the task queue's worker stopped (%s); starting it again in %.1f s",
                reason,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)


class InProcessWorker:
    """A worker inside the API process, for the embedded default: started and stopped with
    the application."""

    def __init__(
        self,
        queue: procrastinate.App,
        context: dict[str, Any],
        *,
        shutdown_seconds: float | None = None,
    ) -> None:
        self.queue = queue
        self.context = context
        self.shutdown_seconds = shutdown_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.queue.open_async()
        self._task = asyncio.create_task(
            run_worker(
                self.queue,
                self.context,
                install_signal_handlers=False,
                shutdown_seconds=self.shutdown_seconds,
            ),
            name="insight-worker",
        )

    async def stop(self) -> None:
        """Let the job in hand finish (procrastinate stops gracefully when cancelled)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.queue.close_async()
