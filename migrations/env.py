"""Alembic runs migrations as the schema owner over the async driver.

The URL comes from `config.attributes["url"]` (set by `app.platform.migrations`), else from
the settings. How to add a revision: migrations/README.md.
"""

import asyncio
import logging.config

from alembic import context
from sqlalchemy.engine import Connection

from app.platform.db import create_engine, database_url
from app.platform.settings import Settings
from app.tables import metadata

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


# Indexes that exist only on some servers (pgvector's, migration 0014): no model declares them.
SERVER_DEPENDENT_INDEXES = {"ix_insight_embeddings_vector"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and reflected and name in SERVER_DEPENDENT_INDEXES)


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.attributes.get("url") or database_url(Settings())
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        await conn.run_sync(run_with)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run them against a database")
asyncio.run(run_online())
