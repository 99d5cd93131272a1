"""A real HTTP receiver for webhook tests: uvicorn on 127.0.0.1 in a thread, answering 500
to the first request for each message id and 204 to the rest."""

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.servers import serving


@dataclass(frozen=True)
class Received:
    message_id: str
    timestamp: str
    signature: str
    body: bytes
    status: int
    request_id: str | None = None


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        message_id = request.headers["webhook-id"]
        with self._lock:
            status = 204 if any(r.message_id == message_id for r in self.requests) else 500
            self.requests.append(
                Received(
                    message_id,
                    request.headers["webhook-timestamp"],
                    request.headers["webhook-signature"],
                    body,
                    status,
                    request.headers.get("x-request-id"),
                )
            )
        return Response(status_code=status)

    def succeeded(self) -> list[str]:
        return [r.message_id for r in self.requests if r.status < 300]


def verifies(secret: str, received: Received) -> bool:
    """The receiver's side of Standard Webhooks, written from the specification."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{received.message_id}.{received.timestamp}.".encode() + received.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        part.startswith("v1,") and hmac.compare_digest(part[3:], expected)
        for part in received.signature.split()
    )


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    with serving(app) as url:
        receiver.url = f"{url}/hook"
        yield receiver
