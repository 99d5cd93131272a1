"""The HTTP server's own limits, which no application middleware can set: a request head is
read only up to a size and within a time, so a client cannot hold a connection (or the
memory its head fills) by sending its headers slowly or without end.

uvicorn's HTTP/1.1 protocol (httptools) buffers a head of any size and waits for it forever;
the protocol here counts and times it."""

import asyncio
import json
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.platform.settings import Settings

# Room for the request line (method, path and query) on top of the headers' own limit.
REQUEST_LINE_BYTES = 8 * 1024


class _HeadTooLarge(Exception):
    pass


def _refusal(max_bytes: int) -> bytes:
    body = json.dumps(
        {
            "type": "https://insight.example/problems/headers_too_large",
            "title": "Request headers too large",
            "status": 431,
            "detail": f"A request's head may be at most {max_bytes} bytes.",
            "code": "headers_too_large",
        }
    ).encode()
    head = (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        "content-type: application/problem+json\r\n"
        "content-language: en\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


class BoundedHeadProtocol(HttpToolsProtocol):
    """HTTP/1.1 whose request heads are at most `max_head_bytes` (431 and closed beyond)
    and arrive within `head_timeout` seconds of the connection, or of a request's first
    byte on a kept-alive connection (closed otherwise)."""

    max_head_bytes: int = 40 * 1024
    head_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_bytes = 0
        self.in_head = True
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._time_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_done()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
            if self.in_head:  # all of it went to a head that is not complete yet
                self._count(len(data))
        except _HeadTooLarge:
            self._refuse_head()
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as exc:
            # A callback's exception comes out as the parser's error, raised while handling it.
            if isinstance(exc.__context__, _HeadTooLarge):
                self._refuse_head()
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)

    def _refuse_head(self) -> None:
        self._head_done()
        self.transport.write(_refusal(self.max_head_bytes))
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = 0
        if self.head_timer is None:
            self._time_head()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done()
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > self.max_head_bytes:
            raise _HeadTooLarge

    def _time_head(self) -> None:
        self.in_head = True
        self.head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _head_done(self) -> None:
        self.in_head = False
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn serving `app` with the request limits of `settings`."""
    protocol = type(
        "Protocol",
        (BoundedHeadProtocol,),
        {
            "max_head_bytes": settings.max_request_header_bytes + REQUEST_LINE_BYTES,
            "head_timeout": settings.request_head_timeout_seconds,
        },
    )
    return uvicorn.Config(app, http=protocol, **options)
