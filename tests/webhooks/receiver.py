"""A real HTTP receiver for webhook tests: uvicorn on 127.0.0.1 in a thread, answering 500
to the first request for each message id and 204 to the rest."""

import base64
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Received:
    message_id: str
    timestamp: str
    signature: str
    body: bytes
    status: int


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test receiver did not start")
        time.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
