"""A TCP proxy in front of PostgreSQL that breaks connections on demand.

The application and the queue connect to the proxy instead of the server; the proxy
forwards every byte both ways until told to break things:

- `reset()` aborts every open connection at once (an RST to both ends), as a network
  failure or a killed backend does;
- `down()` ... `up()`, or `outage(seconds)`, is an immediate restart of the server as
  the application sees it: open connections are reset, new ones are refused while it
  lasts, and afterwards connections work again.

The real server is never touched. It may listen on TCP (host and port) or, as the
embedded server does, on a unix socket (`?host=/directory` in its URL).
"""

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field

from sqlalchemy import make_url

LOOPBACK = "127.0.0.1"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Target:
    """Where the server listens: a host and port, or a unix socket's path."""

    host: str | None = None
    port: int | None = None
    path: str | None = None

    @classmethod
    def of(cls, url: str) -> "Target":
        parsed = make_url(url)
        directory = parsed.query.get("host")
        if isinstance(directory, tuple):
            directory = directory[0]
        if directory and directory.startswith("/"):
            return cls(path=f"{directory}/.s.PGSQL.{parsed.port or 5432}")
        return cls(host=parsed.host or "localhost", port=parsed.port or 5432)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.path is not None:
            return await asyncio.open_unix_connection(self.path)
        return await asyncio.open_connection(self.host, self.port)


@dataclass(eq=False)
class _Link:
    """One client connection and its connection to the server."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.server):
            if writer is not None:
                _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with an RST rather than a FIN, discarding whatever is still buffered."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        # What happened, for the record.
        self.accepted = 0
        self.aborted = 0

    @classmethod
    def for_url(cls, url: str) -> "FaultProxy":
        return cls(Target.of(url))

    def url(self, url: str) -> str:
        """`url` with the server's address replaced by the proxy's."""
        parsed = make_url(url)
        query = {name: value for name, value in parsed.query.items() if name != "host"}
        return parsed.set(host=LOOPBACK, port=self.port, query=query).render_as_string(
            hide_password=False
        )

    async def start(self) -> None:
        """Listen (on the same port as before, after a `down()`)."""
        self._server = await asyncio.start_server(self._accept, LOOPBACK, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        await self.down()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def reset(self) -> int:
        """Abort every open connection now; returns how many there were."""
        links = list(self._links)
        for link in links:
            link.abort()
            for task in link.tasks:
                task.cancel()
        self._links.difference_update(links)
        self.aborted += len(links)
        return len(links)

    async def down(self) -> None:
        """Stop listening (new connections are refused) and reset the open ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self.reset()
        if server is not None:
            await server.wait_closed()

    async def up(self) -> None:
        if self._server is None:
            await self.start()

    async def outage(self, seconds: float) -> None:
        """The server restarts: unreachable for `seconds`, then back."""
        await self.down()
        try:
            await asyncio.sleep(seconds)
        finally:
            await self.up()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            _abort(writer)
            return
        self.accepted += 1
        link = _Link(client=writer)
        self._links.add(link)
        try:
            server_reader, link.server = await self.target.connect()
        except OSError:
            self._links.discard(link)
            _abort(writer)
            return
        if link not in self._links:  # reset while connecting
            link.abort()
            return
        link.tasks = [
            asyncio.create_task(_pipe(reader, link.server)),
            asyncio.create_task(_pipe(server_reader, writer)),
        ]
        try:
            await asyncio.wait(link.tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # One side closed (or the link was reset): close the other too.
            for task in link.tasks:
                task.cancel()
            if link in self._links:
                self._links.discard(link)
                for end in (writer, link.server):
                    end.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
