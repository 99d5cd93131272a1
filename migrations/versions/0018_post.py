"""post: the version of each organisation's directory, for caches that must not go stale

Revision ID: 0018_post
Revises: 0017_metrics

`organisations.directory_version` moves on in the same transaction as every change to what
a process may keep in memory about an organisation: its people, units, role grants and
routing rules, and the organisation row itself (deadlines). Triggers move it, so every
writer (any process, a migration, a manual fix) invalidates the caches alike. A statement
that acts on cached grants or routing checks the version in the same statement
(`app.org.directory`).
"""

from alembic import op

revision: str = "0018_post"
down_revision: str | None = "0017_metrics"

TABLES = ("people", "units", "role_grants", "routing_rules")
EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def upgrade() -> None:
    op.execute("ALTER TABLE organisations ADD COLUMN directory_version bigint NOT NULL DEFAULT 0")
    # Runs as its owner: a request's role may change a grant without the right to update
    # the organisation row itself.
    op.execute(
        """
        CREATE FUNCTION bump_directory_version() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        BEGIN
            UPDATE organisations SET directory_version = directory_version + 1
            WHERE id IN (SELECT DISTINCT org_id FROM changed);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION bump_own_directory_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.directory_version = OLD.directory_version THEN
                NEW.directory_version := OLD.directory_version + 1;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    for table in TABLES:
        for event, side in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_directory AFTER {event} ON {table} "
                f"REFERENCING {side} TABLE AS changed "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version()"
            )
    op.execute(
        "CREATE TRIGGER organisations_directory BEFORE UPDATE ON organisations "
        "FOR EACH ROW EXECUTE FUNCTION bump_own_directory_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER organisations_directory ON organisations")
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_{event.lower()}_directory ON {table}")
    op.execute("DROP FUNCTION bump_own_directory_version()")
    op.execute("DROP FUNCTION bump_directory_version()")
    op.execute("ALTER TABLE organisations DROP COLUMN directory_version")
