"""The ASGI application: REST under /api/v1, GraphQL at /graphql, one service layer."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text

from app import problems
from app.actions.router import router as actions_router
from app.analytics.router import router as analytics_router
from app.attachments.router import router as attachments_router
from app.auth.router import router as auth_router
from app.gql.schema import graphql_router
from app.idempotency.middleware import IdempotencyMiddleware
from app.insights.language import warm_up
from app.insights.router import router as insights_router
from app.limits import BodyLimitMiddleware
from app.loop.router import router as loop_router
from app.mail import SmtpMailer
from app.notify.router import router as notify_router
from app.org.router import router as org_router
from app.privacy.router import router as privacy_router
from app.queue import InProcessWorker
from app.routing.router import router as routing_router
from app.runtime import Runtime
from app.settings import Settings
from app.sync.router import router as sync_router
from app.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """Stable operationIds: the route function's name, unique across the API."""
    return route.name


def body_limits(settings: Settings) -> Callable[[str], int]:
    """The body limit of a path: uploads and the offline batch may be larger."""

    def limit_for(path: str) -> int:
        if path.endswith("/attachments"):
            return settings.max_upload_bytes
        if path == f"{API_PREFIX}/sync/batch":
            return settings.max_batch_body_bytes
        return settings.max_body_bytes

    return limit_for


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the request safe to retry: the same key with the same request gets the first "
        "response again (Idempotent-Replayed: true); with another request, 422 "
        "`idempotency_key_reused`; while the first still runs, the retry waits for it, or gets "
        "409 `idempotency_in_flight`. Keys are the caller's own and kept for 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
PROBLEM_RESPONSE = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
# RFC 9457 problem details, as every error of the API is answered.
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "required": ["title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable, for programs to act on."},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "For `validation_error`: each field's location and message.",
        },
    },
}


def with_shared_contract(app: FastAPI) -> None:
    """Document what every operation shares: Idempotency-Key on creating requests, the
    limits (413, 429) that guard them all, and errors as problem details (422 and every
    other error status, under `default`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            for path, operations in schema["paths"].items():
                if not path.startswith(API_PREFIX):
                    continue
                for method, operation in operations.items():
                    responses = operation.setdefault("responses", {})
                    if "422" in responses:
                        responses["422"] = {
                            "description": "Invalid input (`validation_error` and others).",
                            **PROBLEM_RESPONSE,
                        }
                    responses.setdefault(
                        "default",
                        {
                            "description": "An error: problem details with a stable `code`.",
                            **PROBLEM_RESPONSE,
                        },
                    )
                    responses.setdefault(
                        "429",
                        {"description": "Too many requests (`rate_limited`).", **PROBLEM_RESPONSE},
                    )
                    if method == "post":
                        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
                        responses.setdefault(
                            "413",
                            {
                                "description": "Request body too large (`payload_too_large`).",
                                **PROBLEM_RESPONSE,
                            },
                        )
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the application. Nothing connects until it starts; a given `runtime` (tests)
    is used as is and left open."""
    settings = settings or (runtime.settings if runtime else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        running: Runtime = runtime or Runtime.build(settings)
        app.state.runtime = running
        warm_up()
        if running.builtin_keys is not None:
            await running.builtin_keys.keys(refresh=False)
        worker = None
        if settings.inprocess_worker:
            url = running.engine.url.render_as_string(hide_password=False)
            worker = InProcessWorker(
                url,
                running.sessions,
                webhook_allow_loopback=settings.webhook_allow_loopback,
                mailer=SmtpMailer.from_settings(settings),
                attachments=running.attachments,
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
    )
    if runtime is not None:
        app.state.runtime = runtime
    problems.install(app)
    # Outermost first: the body limit guards everything that reads a body after it.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limits(settings))

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

    @app.get("/readyz", tags=["health"], response_model=None)
    async def readyz(request: Request) -> JSONResponse | dict[str, str]:
        """The process can serve: the database answers."""
        try:
            async with request.app.state.runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return {"status": "ready"}

    return app
