"""Request size and time limits, enforced before the application sees the request: headers
(431), the body's size (413) and a body that stops arriving (408)."""

from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform.errors import DomainError
from app.platform.settings import Settings
from app.web.openapi import API_PREFIX
from app.web.problems import error_response


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class HeadersTooLarge(DomainError):
    status = 431
    code = "headers_too_large"
    title = "Request headers too large"


class RequestTimeout(DomainError):
    status = 408
    code = "request_timeout"
    title = "Request timeout"


class HeaderLimitMiddleware:
    """Refuses a request with more headers, or more bytes of them, than allowed."""

    def __init__(self, app: ASGIApp, max_count: int, max_bytes: int) -> None:
        self.app = app
        self.max_count = max_count
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = sum(len(name) + len(value) for name, value in headers)
            if len(headers) > self.max_count or size > self.max_bytes:
                error = HeadersTooLarge(
                    f"A request may have at most {self.max_count} headers "
                    f"of {self.max_bytes} bytes in all.",
                    extra={"max_headers": self.max_count, "max_header_bytes": self.max_bytes},
                )
                await error_response(scope, error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses a body longer than the limit for its path: at once when Content-Length says
    so, otherwise as soon as the streamed body passes the limit. A body that stops arriving
    for `idle_seconds` is refused with 408 and the connection closed."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int], idle_seconds: float) -> None:
        self.app = app
        self.limit_for = limit_for
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _refuse(scope, receive, send, limit)
                    return
        received = 0
        body_done = False
        # Why the application's answer is replaced, once it is.
        refused: DomainError | None = None

        async def counted() -> Message:
            nonlocal received, body_done, refused
            if refused is not None:
                return {"type": "http.disconnect"}
            if body_done:  # only the client's leaving is awaited now, for as long as it takes
                return await receive()
            try:
                with anyio.fail_after(self.idle_seconds):
                    message = await receive()
            except TimeoutError:
                refused = RequestTimeout(
                    f"The request body stopped arriving for {self.idle_seconds:g} seconds.",
                    extra={"timeout_seconds": self.idle_seconds},
                )
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                body_done = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > limit:
                    # The application sees the client leave; its answer is replaced.
                    refused = _too_large(limit)
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if refused is None:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if refused is None:
                raise
        if refused is not None and not started:
            # The rest of the body is not read: the connection cannot carry another request.
            response = error_response(scope, refused, headers={"Connection": "close"})
            await response(scope, receive, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body may be at most {limit} bytes.", extra={"limit": limit}
    )


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    await error_response(scope, _too_large(limit))(scope, receive, send)


def body_limits(settings: Settings) -> Callable[[str], int]:
    """The body limit of a path: uploads, imported files and the offline batch may be
    larger."""

    def limit_for(path: str) -> int:
        if path.endswith("/attachments"):
            return settings.max_upload_bytes
        if path.startswith(f"{API_PREFIX}/imports/"):
            return settings.max_import_bytes
        if path == f"{API_PREFIX}/sync/batch":
            return settings.max_batch_body_bytes
        return settings.max_body_bytes

    return limit_for
