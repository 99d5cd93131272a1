"""Statements on a test server outside the app: creating and dropping databases and roles."""

import asyncpg
from sqlalchemy import make_url


async def run_statements(url: str, *statements: str) -> list[asyncpg.Record]:
    """Run the statements in order on one connection to `url` (an SQLAlchemy URL, the
    embedded server's socket directory in its `host` query); what the last one returns."""
    parsed = make_url(url)
    connection = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    try:
        rows: list[asyncpg.Record] = []
        for sql in statements:
            rows = list(await connection.fetch(sql))
        return rows
    finally:
        await connection.close()
