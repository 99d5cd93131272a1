"""Traces: off unless an exporter is configured; on, a request's span, its SQL and its log
line share one trace id, and so do a job's span and its line."""

import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.jobs import build_queue, run_worker
from app.main import create_app
from app.platform import tracing
from app.platform.settings import Settings
from app.web.runtime import Runtime
from tests.factories import World, owner_after_each_request
from tests.log_lines import json_lines

API = "/api/v1"


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.start(provider)
    yield provider, exporter
    tracing.stop()
    provider.shutdown()


@pytest.fixture
async def traced(
    runtime: Runtime,
    connection: AsyncConnection,
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime, tracer_provider=spans[0])
    transport = httpx.ASGITransport(app=owner_after_each_request(app, connection))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_request_s_span_its_sql_and_its_log_line_share_the_trace_id(
    traced: httpx.AsyncClient,
    world: World,
    spans: tuple[TracerProvider, InMemorySpanExporter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = await world.auth("anna")
    caplog.set_level(logging.INFO)
    response = await traced.get(f"{API}/insights", headers=headers)
    assert response.status_code == 200
    [line] = json_lines(caplog, "insight.access")
    finished = spans[1].get_finished_spans()
    [server] = [s for s in finished if (s.attributes or {}).get("http.route") == "/api/v1/insights"]
    assert server.context is not None
    assert line["trace_id"] == f"{server.context.trace_id:032x}"
    assert len(line["span_id"]) == 16
    statements = [
        s
        for s in finished
        if (s.attributes or {}).get("db.statement")
        and s.context is not None
        and s.context.trace_id == server.context.trace_id
    ]
    assert statements, [s.name for s in finished]
    # The statements' text, never the values bound to them.
    assert not [s for s in statements if str(world.kauppa.id) in str(s.attributes)]


async def test_a_job_s_span_and_its_log_line_share_the_trace_id(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    database_url: str,
    spans: tuple[TracerProvider, InMemorySpanExporter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, sessions = committed
    caplog.set_level(logging.INFO)
    queue = build_queue(database_url)
    async with queue.open_async():
        job_id = await queue.configure_task("purge_idempotency_keys").defer_async(timestamp=0)
        await run_worker(queue, sessions, wait=False, install_signal_handlers=False)
    [line] = [line for line in json_lines(caplog, "insight.jobs") if line["job_id"] == job_id]
    traced_jobs = {
        f"{s.context.trace_id:032x}": s.name
        for s in spans[1].get_finished_spans()
        if s.context is not None and s.name.startswith("job ")
    }
    assert traced_jobs[line["trace_id"]] == "job purge_idempotency_keys"


def test_nothing_of_opentelemetry_s_sdk_is_loaded_unless_an_exporter_is_configured() -> None:
    assert tracing.provider_from(Settings(database_url="postgresql://x@localhost/x")) is None or (
        any(os.environ.get(v) for v in tracing.ENDPOINT_VARIABLES)
    )
    assert tracing.configured(Settings(otlp_endpoint="http://127.0.0.1:4318"))
    probe = (
        "import sys\n"
        "from app.main import create_app\n"
        "from app.platform.settings import Settings\n"
        "app = create_app(Settings(database_url='postgresql://x@localhost/x'))\n"
        "loaded = [m for m in sys.modules if m.startswith(('opentelemetry.sdk', "
        "'opentelemetry.instrumentation', 'opentelemetry.exporter'))]\n"
        "print(loaded)\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment.pop("INSIGHT_OTLP_ENDPOINT", None)
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
