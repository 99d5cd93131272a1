"""The request id and the log line of every HTTP request, as plain ASGI middleware (no
response is buffered or re-wrapped on the way).

The line names the route's template (`/api/v1/insights/{insight_id}`), never the path
itself nor its query string, and the caller's organisation once known; never the person,
a header or a body."""

import logging
import time
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import logs, request_ids

log = logging.getLogger("insight.access")

_HEADER = request_ids.HEADER.lower().encode("latin-1")
# Whatever a request matched no route of is logged under this name.
UNMATCHED = "unmatched"

# Told of every request answered: method, route template, status and seconds taken.
Observer = Callable[[str, str, int, float], None]


def route_template(scope: Scope) -> str:
    """The template of the route the request matched, prefixes of included routers and
    mounts included (FastAPI notes it in its part of the scope); `unmatched` for none."""
    chosen = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(chosen, "path_format", None)
    if not isinstance(path, str):
        path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class AccessLogMiddleware:
    """Takes the request id from `X-Request-ID` when it is a sane token (else makes one),
    binds it for everything the request runs, returns it in the response's header and
    writes the request's log line when the response has been sent."""

    def __init__(self, app: ASGIApp, observers: tuple[Observer, ...] = ()) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = None
        for name, value in scope["headers"]:
            if name == _HEADER:
                sent = value.decode("latin-1")
                break
        work = request_ids.Work(request_ids.accepted(sent))
        token = request_ids.bind(work)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[request_ids.HEADER] = work.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = route_template(scope)
            for observe in self.observers:
                observe(method, route, status, seconds)
            log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "org_id": str(work.org_id) if work.org_id else None,
                    "request_id": work.request_id,
                    **logs.trace_fields(),
                },
            )
            request_ids.unbind(token)
