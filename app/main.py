"""The ASGI application: REST under /api/v1, GraphQL at /graphql, one service layer."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

from app.actions.router import router as actions_router
from app.analytics.router import router as analytics_router
from app.attachments.router import router as attachments_router
from app.auth.router import router as auth_router
from app.gql.schema import graphql_router
from app.insights.router import router as insights_router
from app.jobs import in_process_worker
from app.loop.router import router as loop_router
from app.notify.router import router as notify_router
from app.org.router import router as org_router
from app.outcomes.router import router as outcomes_router
from app.platform import tracing
from app.platform.mail import SmtpMailer
from app.platform.settings import Settings
from app.platform.sms import SmsGateway
from app.privacy.router import router as privacy_router
from app.routing.router import router as routing_router
from app.surveys.router import router as surveys_router
from app.sync.router import router as sync_router
from app.themes import vectors
from app.themes.router import router as themes_router
from app.web import problems
from app.web.access_log import AccessLogMiddleware, Observer
from app.web.idempotency.middleware import IdempotencyMiddleware
from app.web.limits import BodyLimitMiddleware, HeaderLimitMiddleware, body_limits
from app.web.openapi import API_PREFIX, operation_id, with_shared_contract
from app.web.runtime import Runtime
from app.webhooks.router import router as webhooks_router

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider


def _telemetry(provider: "TracerProvider | None") -> TelemetryConfig:
    """FastAPI's own OpenTelemetry: a span per request with `provider`, or nothing at all.
    Never its metrics (Prometheus has them) nor its exception logs, which would carry the
    values a request sent."""
    if provider is None:
        return {"tracing": False, "metrics": False, "logs": False}
    return {"tracer_provider": provider, "metrics": False, "logs": False}


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    tracer_provider: "TracerProvider | None" = None,
) -> FastAPI:
    """Build the application. Nothing connects until it starts; a given `runtime` (tests)
    is used as is and left open. Requests are traced with `tracer_provider`, else with
    the exporter the settings configure (`app.platform.tracing`), else not at all."""
    settings = settings or (runtime.settings if runtime else Settings())
    provider = tracer_provider
    if provider is None:
        provider = tracing.provider_from(settings)
        if provider is not None:
            tracing.start(provider)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        running: Runtime = runtime or Runtime.build(settings)
        app.state.runtime = running
        if owned and provider is not None:
            tracing.trace_engine(running.engine, provider)
        if running.builtin_keys is not None:
            await running.builtin_keys.keys(refresh=False)
        worker = None
        if settings.inprocess_worker:
            url = running.engine.url.render_as_string(hide_password=False)
            worker = in_process_worker(
                url,
                running.sessions,
                webhook_allow_loopback=settings.webhook_allow_loopback,
                mailer=SmtpMailer.from_settings(settings),
                sms_gateway=SmsGateway.from_settings(settings),
                attachments=running.attachments,
                embedder=running.embedder,
                stalled_seconds=settings.stalled_job_seconds,
                shutdown_seconds=settings.shutdown_seconds,
            )
            await worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            if owned:
                await running.close()

    app = FastAPI(
        title="Insight",
        summary="Frontline employee insight platform",
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url="/docs",
        redoc_url=None,
        telemetry=_telemetry(provider),
    )
    if runtime is not None:
        app.state.runtime = runtime
        if provider is not None:
            tracing.trace_engine(runtime.engine, provider)
    problems.install(app)
    # Outermost first: the body limit guards everything that reads a body after it.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=body_limits(settings),
        idle_seconds=settings.request_body_timeout_seconds,
    )
    app.add_middleware(
        HeaderLimitMiddleware,
        max_count=settings.max_request_headers,
        max_bytes=settings.max_request_header_bytes,
    )
    observers: tuple[Observer, ...] = ()
    if settings.metrics_token:
        from app.web import metrics

        collected = metrics.Metrics()
        metrics.install(app, settings.metrics_token, collected)
        observers = (collected.observe_request,)
    # Outermost: the request id is bound before anything else runs, and the log line and
    # the latency include every other middleware.
    app.add_middleware(AccessLogMiddleware, observers=observers)

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        org_router,
        insights_router,
        attachments_router,
        actions_router,
        loop_router,
        notify_router,
        routing_router,
        analytics_router,
        themes_router,
        surveys_router,
        outcomes_router,
        webhooks_router,
        sync_router,
        privacy_router,
    ):
        api.include_router(router)
    app.include_router(api)
    with_shared_contract(app)
    if settings.builtin_issuer:
        app.include_router(auth_router)
    app.include_router(graphql_router(settings), prefix="/graphql", include_in_schema=False)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        response_model=None,
        responses={503: {"description": "The database does not answer."}},
    )
    async def readyz(request: Request) -> JSONResponse | dict[str, str]:
        """The process can serve: the database answers. `vector_search` says how similar
        insights are found: `pgvector` (an index in PostgreSQL) or `exact`."""
        try:
            async with request.app.state.runtime.sessions() as session:
                await session.execute(text("SELECT 1"))
                method = await vectors.search_method(session)
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return {"status": "ready", "vector_search": method.value}

    return app
