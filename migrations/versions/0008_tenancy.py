"""row-level security: each organisation's rows for the role insight_app

Revision ID: 0008tenancy
Revises: 0007changes
Create Date: 2026-11-22 13:00:00+00:00
"""

from alembic import op

revision: str = "0008tenancy"
down_revision: str | None = "0007changes"

ROLE = "insight_app"
SETTING = "insight.org_id"
POLICY = "tenant_isolation"

# Every table that holds one organisation's rows, and the column that names it.
TENANT_TABLES = {
    "organisations": "id",
    "units": "org_id",
    "people": "org_id",
    "role_grants": "org_id",
    "journey_stages": "org_id",
    "touchpoints": "org_id",
    "insights": "org_id",
    "insight_events": "org_id",
    "comments": "org_id",
    "actions": "org_id",
    "action_insights": "org_id",
    "loop_communications": "org_id",
    "notifications": "org_id",
    "routing_rules": "org_id",
    "endorsements": "org_id",
    "customer_contacts": "org_id",
    "webhook_subscriptions": "org_id",
    "webhook_deliveries": "org_id",
    "webhook_attempts": "org_id",
    "attachments": "org_id",
    "authorization_codes": "org_id",
    "refresh_tokens": "org_id",
}


def upgrade() -> None:
    # The role is shared by every database of the server: made once, by whoever is first.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$;
        """
    )
    # The owner switches to the role inside requests (SET ROLE needs membership).
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT pg_has_role(current_user, '{ROLE}', 'MEMBER') THEN
                EXECUTE format('GRANT {ROLE} TO %I', current_user);
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {ROLE}"
    )
    for table, column in TENANT_TABLES.items():
        condition = f"{column} = NULLIF(current_setting('{SETTING}', true), '')::uuid"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} TO {ROLE} "
            f"USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    # Not a query: "SELECT … FROM" names a privilege and a role, this module's constant.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {ROLE}"  # noqa: S608
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
