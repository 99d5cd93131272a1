"""The task queue's table of jobs: which tasks exist, when the periodic ones run, and what
each finds in its context. The platform's queue (`app/platform/queue.py`) runs them."""

from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.attachments.storage import AttachmentStore
from app.insights import jobs as insight_jobs
from app.loop import jobs as loop_jobs
from app.platform import queue as platform_queue
from app.platform.mail import SmtpMailer
from app.platform.queue import SESSIONS, STALLED, InProcessWorker, observed, queue_app
from app.platform.sms import SmsGateway
from app.privacy import jobs as privacy_jobs
from app.themes import jobs as theme_jobs
from app.themes.embedder import Embedder, load_embedder
from app.web import ratelimit_jobs
from app.web.idempotency import jobs as idempotency_jobs
from app.webhooks import jobs as webhook_jobs


def build_queue(url: str, *, pool_size: int = 2) -> procrastinate.App:
    """A queue over the database at `url`, with every task registered; nothing connects
    until it is opened."""
    queue = queue_app(url, pool_size=pool_size)
    escalate = queue.task(name="escalate_overdue", queue="deadlines", pass_context=True)(
        observed("escalate_overdue", insight_jobs.escalate_overdue)
    )
    # Every worker defers the periodic job, and procrastinate keeps one per minute.
    queue.periodic(cron="* * * * *", periodic_id="escalate_overdue")(escalate)
    deliver = queue.task(name="deliver_webhooks", queue="webhooks", pass_context=True)(
        observed("deliver_webhooks", webhook_jobs.deliver_webhooks)
    )
    # Every five seconds (the sixth cron field): the longest a webhook waits for its first
    # attempt. Concurrent runs are safe: they claim disjoint rows.
    queue.periodic(cron="* * * * * */5", periodic_id="deliver_webhooks")(deliver)
    send_emails = queue.task(name="send_emails", queue="email", pass_context=True)(
        observed("send_emails", loop_jobs.send_emails)
    )
    queue.periodic(cron="* * * * * */10", periodic_id="send_emails")(send_emails)
    send_sms = queue.task(name="send_sms", queue="sms", pass_context=True)(
        observed("send_sms", loop_jobs.send_sms)
    )
    queue.periodic(cron="* * * * * */10", periodic_id="send_sms")(send_sms)
    purge_keys = queue.task(name="purge_idempotency_keys", queue="upkeep", pass_context=True)(
        observed("purge_idempotency_keys", idempotency_jobs.purge_idempotency_keys)
    )
    queue.periodic(cron="*/10 * * * *", periodic_id="purge_idempotency_keys")(purge_keys)
    purge_limits = queue.task(name="purge_rate_limits", queue="upkeep", pass_context=True)(
        observed("purge_rate_limits", ratelimit_jobs.purge_rate_limits)
    )
    queue.periodic(cron="*/10 * * * *", periodic_id="purge_rate_limits")(purge_limits)
    stalled = queue.task(name="retry_stalled_jobs", queue="upkeep", pass_context=True)(
        observed("retry_stalled_jobs", retry_stalled)
    )
    # Every minute: the jobs of a worker that died run again on another (every worker also
    # looks when it starts).
    queue.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")(stalled)
    embed = queue.task(name="embed_insights", queue="themes", pass_context=True)(
        observed("embed_insights", theme_jobs.embed_insights)
    )
    # Every five seconds: how long a posted insight waits for its vector and its theme
    # (those posted over REST have both at once). Concurrent runs take disjoint batches.
    queue.periodic(cron="* * * * * */5", periodic_id="embed_insights")(embed)
    recluster = queue.task(name="recluster_themes", queue="themes", pass_context=True)(
        observed("recluster_themes", theme_jobs.recluster_themes)
    )
    # Every minute: runs asked for by managers start within a minute; scheduled ones are
    # due daily (`app.themes.runs`).
    queue.periodic(cron="* * * * *", periodic_id="recluster_themes")(recluster)
    retain = queue.task(name="apply_retention", queue="upkeep", pass_context=True)(
        observed("apply_retention", privacy_jobs.apply_retention)
    )
    # Nightly, when little else runs.
    queue.periodic(cron="17 3 * * *", periodic_id="apply_retention")(retain)
    return queue


async def retry_stalled(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Queue again the jobs of workers whose heartbeat stopped."""
    seconds = float(context.additional_context.get(STALLED, platform_queue.STALLED_SECONDS))
    return await platform_queue.retry_stalled_jobs(context.app, seconds)


def job_context(
    sessions: async_sessionmaker[AsyncSession],
    *,
    webhook_allow_loopback: bool = False,
    mailer: SmtpMailer | None = None,
    sms_gateway: SmsGateway | None = None,
    attachments: AttachmentStore | None = None,
    embedder: Embedder | None = None,
    stalled_seconds: float = platform_queue.STALLED_SECONDS,
) -> dict[str, Any]:
    """What every job finds in its context. Without a `mailer` nothing is e-mailed, without an
    `sms_gateway` nothing is texted; without `attachments` retention leaves files in
    storage; without an `embedder` the bundled one embeds."""
    return {
        theme_jobs.EMBEDDER: embedder or load_embedder(None),
        SESSIONS: sessions,
        STALLED: stalled_seconds,
        webhook_jobs.ALLOW_LOOPBACK: webhook_allow_loopback,
        loop_jobs.MAILER: mailer,
        loop_jobs.SMS_GATEWAY: sms_gateway,
        privacy_jobs.ATTACHMENTS: attachments,
    }


async def run_worker(
    queue: procrastinate.App,
    sessions: async_sessionmaker[AsyncSession],
    *,
    wait: bool = True,
    concurrency: int = 1,
    install_signal_handlers: bool = True,
    webhook_allow_loopback: bool = False,
    mailer: SmtpMailer | None = None,
    sms_gateway: SmsGateway | None = None,
    attachments: AttachmentStore | None = None,
    restart_delays: tuple[float, float] = platform_queue.RESTART_DELAYS,
    stalled_seconds: float = platform_queue.STALLED_SECONDS,
    shutdown_seconds: float | None = None,
) -> None:
    """Run the jobs of `queue` (see `app.platform.queue.run_worker`) with their context."""
    await platform_queue.run_worker(
        queue,
        job_context(
            sessions,
            webhook_allow_loopback=webhook_allow_loopback,
            mailer=mailer,
            sms_gateway=sms_gateway,
            attachments=attachments,
            stalled_seconds=stalled_seconds,
        ),
        wait=wait,
        concurrency=concurrency,
        install_signal_handlers=install_signal_handlers,
        restart_delays=restart_delays,
        shutdown_seconds=shutdown_seconds,
    )


def in_process_worker(
    url: str,
    sessions: async_sessionmaker[AsyncSession],
    *,
    webhook_allow_loopback: bool = False,
    mailer: SmtpMailer | None = None,
    sms_gateway: SmsGateway | None = None,
    attachments: AttachmentStore | None = None,
    embedder: Embedder | None = None,
    stalled_seconds: float = platform_queue.STALLED_SECONDS,
    shutdown_seconds: float | None = None,
) -> InProcessWorker:
    """A worker that runs inside the API process, started and stopped with it."""
    return InProcessWorker(
        build_queue(url),
        job_context(
            sessions,
            webhook_allow_loopback=webhook_allow_loopback,
            mailer=mailer,
            sms_gateway=sms_gateway,
            attachments=attachments,
            embedder=embedder,
            stalled_seconds=stalled_seconds,
        ),
        shutdown_seconds=shutdown_seconds,
    )
