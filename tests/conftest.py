"""Tests run on real PostgreSQL: the embedded server, or INSIGHT_TEST_DATABASE_URL.

Each run creates a fresh database, migrates it with Alembic and drops it at the end. Each
test runs inside one transaction that is rolled back, so tests never see each other's rows.
"""

import asyncio
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import delete, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.main import create_app
from app.platform.db import create_engine, start_embedded_server
from app.platform.migrations import upgrade
from app.platform.settings import Settings
from app.tables import metadata
from app.web.runtime import Runtime
from tests.databases import run_statements
from tests.factories import Live, World, build_world, owner_after_each_request
from tests.webhooks.receiver import Receiver, running_receiver

ROOT = Path(__file__).resolve().parent.parent


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin_execute(url: str, sql: str) -> None:
    await run_statements(url, sql)


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server the tests use (its maintenance database)."""
    url = os.environ.get("INSIGHT_TEST_DATABASE_URL")
    if url:
        try:
            asyncio.run(_admin_execute(url, "SELECT 1"))
        except (OSError, asyncpg.PostgresError) as exc:
            message = f"INSIGHT_TEST_DATABASE_URL is unreachable: {exc}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        return url
    return start_embedded_server(ROOT / ".insight" / "test", database="postgres")


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database for this run, migrated to head."""
    name = f"insight_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection whose outer transaction is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, public_url="http://testserver", data_dir=tmp_path)


@pytest.fixture
def runtime(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> Runtime:
    built = Runtime.build(settings, engine=engine)
    built.sessions = sessions
    if built.builtin_keys is not None:
        built.builtin_keys.sessions = sessions
    return built


@pytest.fixture
async def client(runtime: Runtime, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime)

    transport = httpx.ASGITransport(app=owner_after_each_request(app, connection))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def world(session: AsyncSession, runtime: Runtime) -> World:
    """Two organisations with a small unit tree and people in every role; see factories."""
    built = await build_world(session, runtime)
    await session.commit()
    return built


@pytest.fixture
async def committed(
    engine: AsyncEngine, runtime: Runtime
) -> AsyncIterator[tuple[World, async_sessionmaker[AsyncSession]]]:
    """A world whose rows are committed, for tests of separate connections; removed after."""
    sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with sessions() as session:
        world = await build_world(session, runtime)
        await session.commit()
    yield world, sessions
    org_ids = [world.kauppa.id, world.pankki.id]
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if "org_id" in table.c:
                await conn.execute(delete(table).where(table.c.org_id.in_(org_ids)))
        organisations = metadata.tables["organisations"]
        await conn.execute(delete(organisations).where(organisations.c.id.in_(org_ids)))


@pytest.fixture
async def live(
    committed: tuple[World, async_sessionmaker[AsyncSession]], settings: Settings, database_url: str
) -> AsyncIterator[Live]:
    """An application on its own engine over committed rows: for concurrent requests, and
    for reads that must see other transactions' commits."""
    world, sessions = committed
    engine = create_engine(database_url, pool_size=10)
    runtime = Runtime.build(settings, engine=engine)
    # Tokens signed with keys this application can read (committed ones).
    world = dataclasses.replace(world, runtime=runtime)
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield world, sessions, client
    async with engine.begin() as conn:
        await conn.execute(delete(metadata.tables["idempotency_keys"]))
    await engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a loopback port, for the test's deliveries."""
    with running_receiver() as running:
        yield running
