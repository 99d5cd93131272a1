"""Counting what a request sends to PostgreSQL: every statement the driver sends, BEGIN,
COMMIT, ROLLBACK and a pool's pre-ping included, as the server sees them."""

import contextlib
from collections.abc import Iterator
from typing import Any

import asyncpg
from asyncpg.prepared_stmt import PreparedStatement


@contextlib.contextmanager
def counting() -> Iterator[list[str]]:
    """Within the block, the SQL of every statement asyncpg sends, in order, from every
    connection of the process. Prepared statements count once per execution (their
    preparation, a second round trip only the first time a connection sees them, does not)."""
    sent: list[str] = []
    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, query_of: Any) -> None:
        original = getattr(owner, name)

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(query_of(self, args))
            return await original(self, *args, **kwargs)

        patched.append((owner, name, original))
        setattr(owner, name, counted)

    wrap(asyncpg.Connection, "execute", lambda _c, a: str(a[0]))
    wrap(asyncpg.Connection, "fetchrow", lambda _c, a: str(a[0]))
    wrap(asyncpg.Connection, "executemany", lambda _c, a: str(a[0]))
    for method in ("fetch", "fetchrow", "fetchval", "executemany"):
        wrap(PreparedStatement, method, lambda s, _a: s.get_query())
    try:
        yield sent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
