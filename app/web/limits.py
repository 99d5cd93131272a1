"""Request body size limits, enforced before anything reads the body (413)."""

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform.errors import DomainError
from app.platform.settings import Settings
from app.web.openapi import API_PREFIX
from app.web.problems import error_response


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class BodyLimitMiddleware:
    """Refuses a body longer than the limit for its path: at once when Content-Length says
    so, otherwise as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

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
        too_large = False

        async def counted() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # The application sees the client leave; its answer is replaced.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if not too_large:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    error = PayloadTooLarge(
        f"The request body may be at most {limit} bytes.", extra={"limit": limit}
    )
    await error_response(scope, error)(scope, receive, send)


def body_limits(settings: Settings) -> Callable[[str], int]:
    """The body limit of a path: uploads and the offline batch may be larger."""

    def limit_for(path: str) -> int:
        if path.endswith("/attachments"):
            return settings.max_upload_bytes
        if path == f"{API_PREFIX}/sync/batch":
            return settings.max_batch_body_bytes
        return settings.max_body_bytes

    return limit_for
