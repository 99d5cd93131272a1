"""`/metrics` in Prometheus's text format, for a scraper holding `INSIGHT_METRICS_TOKEN`.

Two kinds of figure:

- Of this process, counted as it serves: request latency per route template, method and
  status, and its database pool. Every serving process is scraped on its own.
- Of the platform as a whole, read from PostgreSQL when scraped (a few grouped counts):
  the task queue's jobs by status (failed ones stay, so they count failures by task),
  escalations, webhook deliveries and e-mails by outcome, and the age of each
  organisation's oldest unacknowledged insight. Every process answers the same; they do not
  depend on which process did the work, nor on workers being scraped.
"""

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy import text
from starlette.responses import Response

from app.platform.errors import Unauthenticated
from app.web.runtime import Runtime

PATH = "/metrics"

# Named reporting SQL, run at each scrape. The queue is small and the open insights come by
# their partial index; the escalation, webhook and e-mail totals read their whole tables,
# which at a million insights is a scan of each per scrape: running totals kept as they
# change would serve a large organisation better.
_QUEUE = text(
    "SELECT queue_name, task_name, status::text, count(*) "
    "FROM procrastinate.procrastinate_jobs GROUP BY 1, 2, 3"
)
_ESCALATIONS = text(
    "SELECT o.slug, sum(f.escalations) FROM insight_timeline_facts f "
    "JOIN organisations o ON o.id = f.org_id GROUP BY o.slug"
)
_WEBHOOKS = text("SELECT state::text, count(*) FROM webhook_deliveries GROUP BY 1")
_EMAILS = text(
    "SELECT email_state::text, count(*) FROM notifications WHERE email_state IS NOT NULL GROUP BY 1"
)
# Unacknowledged: still `new` (acknowledging, or any later status, ends it).
_OLDEST_NEW = text(
    "SELECT o.slug, extract(epoch FROM now() - min(i.created_at)) FROM insights i "
    "JOIN organisations o ON o.id = i.org_id WHERE i.status = 'new' GROUP BY o.slug"
)


@dataclass(eq=False)
class _Platform(Collector):
    """The figures read from the database at the scrape, and this process's pool."""

    runtime: Runtime | None = None
    rows: dict[str, list[Any]] = field(default_factory=dict)

    async def read(self, runtime: Runtime) -> None:
        self.runtime = runtime
        async with runtime.sessions() as session:
            self.rows = {
                name: list((await session.execute(query)).all())
                for name, query in (
                    ("queue", _QUEUE),
                    ("escalations", _ESCALATIONS),
                    ("webhooks", _WEBHOOKS),
                    ("emails", _EMAILS),
                    ("oldest_new", _OLDEST_NEW),
                )
            }

    def collect(self) -> Iterator[Any]:
        if self.runtime is not None:
            pool: Any = self.runtime.engine.pool
            size = GaugeMetricFamily(
                "insight_db_pool_size", "Connections the database pool keeps (this process)."
            )
            size.add_metric([], pool.size())
            yield size
            used = GaugeMetricFamily(
                "insight_db_pool_checked_out",
                "Database connections in use by requests and jobs (this process).",
            )
            used.add_metric([], pool.checkedout())
            yield used
        queue = GaugeMetricFamily(
            "insight_queue_jobs",
            "Jobs of the task queue by status; succeeded jobs are deleted, failed ones stay.",
            labels=["queue", "job", "status"],
        )
        for queue_name, task, status, count in self.rows.get("queue", []):
            queue.add_metric([queue_name, task, status], count)
        yield queue
        escalations = CounterMetricFamily(
            "insight_escalations",
            "Escalations of insights past a missed deadline, per organisation.",
            labels=["org"],
        )
        for org, count in self.rows.get("escalations", []):
            escalations.add_metric([org], int(count or 0))
        yield escalations
        webhooks = GaugeMetricFamily(
            "insight_webhook_deliveries",
            "Webhook deliveries by state: pending, succeeded, failed (every attempt failed).",
            labels=["state"],
        )
        for state, count in self.rows.get("webhooks", []):
            webhooks.add_metric([state], count)
        yield webhooks
        emails = GaugeMetricFamily(
            "insight_notification_emails",
            "Notification e-mails by state: pending, sent, failed.",
            labels=["state"],
        )
        for state, count in self.rows.get("emails", []):
            emails.add_metric([state], count)
        yield emails
        oldest = GaugeMetricFamily(
            "insight_oldest_unacknowledged_insight_age_seconds",
            "Age of the organisation's oldest insight nobody has acknowledged yet.",
            labels=["org"],
        )
        for org, seconds in self.rows.get("oldest_new", []):
            oldest.add_metric([org], float(seconds))
        yield oldest


class Metrics:
    """One application's metrics: its own registry, so each app counts apart."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "insight_http_request_duration_seconds",
            "Time to answer a request, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.platform = _Platform()
        self.registry.register(self.platform)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        if route != PATH:
            self.requests.labels(route, method, str(status)).observe(seconds)

    async def exposition(self, runtime: Runtime) -> bytes:
        await self.platform.read(runtime)
        return generate_latest(self.registry)


def install(app: FastAPI, token: str, metrics: Metrics) -> None:
    """Serve `metrics` at `/metrics` to a bearer of `token`; 401 to anyone else. The text
    format 0.0.4, which every Prometheus reads."""
    expected = token.encode()

    async def serve_metrics(request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        scheme, _, credentials = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.encode(), expected):
            raise Unauthenticated("The metrics token is required.", code="invalid_token")
        runtime: Runtime = request.app.state.runtime
        return Response(await metrics.exposition(runtime), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    app.add_api_route(PATH, serve_metrics, methods=["GET"], include_in_schema=False)
