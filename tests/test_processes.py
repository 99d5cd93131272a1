"""The platform as several operating-system processes on one database: `insight serve` and
`insight worker` started as a person starts them (tests/processes.py)."""

import asyncio
import dataclasses
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform.db import create_engine
from app.platform.settings import Settings
from app.tables import metadata
from app.web.runtime import Runtime
from tests.factories import World
from tests.processes import environment, serve

pytestmark = pytest.mark.processes

API = "/api/v1"


@pytest.fixture
async def signed(
    committed: tuple[World, async_sessionmaker[AsyncSession]], settings: Settings, database_url: str
) -> AsyncIterator[World]:
    """The committed world, with tokens whose keys are committed: any process reads them."""
    world, _ = committed
    engine = create_engine(database_url, pool_size=2)
    yield dataclasses.replace(world, runtime=Runtime.build(settings, engine=engine))
    async with engine.begin() as conn:
        await conn.execute(delete(metadata.tables["idempotency_keys"]))
    await engine.dispose()


async def test_sigterm_lets_a_request_in_flight_finish_refuses_new_ones_and_exits_0(
    signed: World, database_url: str, tmp_path: Path
) -> None:
    bound = 10.0
    api = serve("api", environment(database_url, tmp_path, shutdown_seconds=str(bound)), tmp_path)
    port = int(api.url.rsplit(":", 1)[1])
    body = json.dumps({"kind": "idea", "text": "Hyllyjen väliin lisää tilaa."}).encode()
    head = (
        f"POST {API}/insights HTTP/1.1\r\nHost: testserver\r\n"
        f"Authorization: {(await signed.auth('anna'))['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    try:
        # A slow client: the head and part of the body, the rest after SIGTERM.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + body[:10])
        await writer.drain()
        await asyncio.sleep(0.5)
        began = time.monotonic()
        api.popen.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)
        # New connections are refused while the request in flight goes on.
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        assert api.popen.poll() is None
        writer.write(body[10:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=bound)
        writer.close()
        status = answer.split(b"\r\n", 1)[0]
        assert status == b"HTTP/1.1 201 Created", answer[:500]
        code = await asyncio.to_thread(api.popen.wait, bound + 5)
        took = time.monotonic() - began
        assert code == 0, api.output()
        assert took < bound, took
        print(f"\nSIGTERM to exit 0: {took:.1f} s, with a request in flight (bound {bound:.0f} s)")
    finally:
        if api.popen.poll() is None:
            api.stop(signal.SIGKILL)
