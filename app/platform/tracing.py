"""Traces with OpenTelemetry, off unless an exporter is configured.

On, every HTTP request is a span (FastAPI's own), with spans of its SQL statements
(SQLAlchemy), its outgoing HTTP requests (httpx: webhooks, SMS, identity provider keys)
and of each job the task queue runs; log lines carry the trace and span ids. Off, none
of the OpenTelemetry SDK or instrumentation is imported."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app.platform import logs, queue
from app.platform.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy.ext.asyncio import AsyncEngine

# The standard variables that name an OTLP exporter's endpoint.
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configured(settings: Settings) -> bool:
    """Whether traces are exported: `INSIGHT_OTLP_ENDPOINT`, or the standard variables."""
    return bool(settings.otlp_endpoint or any(os.environ.get(v) for v in ENDPOINT_VARIABLES))


def provider_from(settings: Settings) -> "TracerProvider | None":
    """A tracer provider exporting to the configured OTLP endpoint (HTTP/protobuf), or None
    when no exporter is configured."""
    if not configured(settings):
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as missing:
        raise RuntimeError(
            "Traces are configured (an OTLP endpoint is set) but OpenTelemetry is not "
            "installed: install the platform with its `tracing` extra (pip install "
            "'insight[tracing]')."
        ) from missing

    endpoint = settings.otlp_endpoint
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None)
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def start(provider: "TracerProvider") -> None:
    """Trace httpx's requests and the queue's jobs with `provider`, and put the trace ids
    in log lines, for the life of the process (or until `stop`)."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    tracer = provider.get_tracer("insight.jobs")

    def current_ids() -> tuple[str, str] | None:
        context = trace.get_current_span().get_span_context()
        if not context.is_valid:
            return None
        return f"{context.trace_id:032x}", f"{context.span_id:016x}"

    @contextmanager
    def job_span(task: str) -> Iterator[None]:
        with tracer.start_as_current_span(f"job {task}", attributes={"insight.job": task}):
            yield

    logs.trace_ids = current_ids
    queue.job_span = job_span


def stop() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    SQLAlchemyInstrumentor().uninstrument()
    logs.trace_ids = None
    queue.job_span = None


def trace_engine(engine: "AsyncEngine", provider: "TracerProvider") -> None:
    """A span for each SQL statement `engine` runs (the statement's text, never its values)."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation names SQLAlchemy 2.0 as its newest; it listens to the engine's
    # events, which 2.1 keeps (`tests/platform/test_tracing.py` checks the spans).
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )
