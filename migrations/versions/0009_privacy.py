"""privacy: audit trail, erasure and retention

Revision ID: 0009privacy
Revises: 0008tenancy
Create Date: 2026-11-22 14:37:13.832789+00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009privacy"
down_revision: str | None = "0008tenancy"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "change",
                "read",
                name="audit_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("operation", sa.String(length=300), nullable=False),
        sa.Column("target", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_audit_log_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_org_actor", "audit_log", ["org_id", "actor_id", "at"], unique=False
    )
    op.create_index("ix_audit_log_org_at", "audit_log", ["org_id", "at", "id"], unique=False)
    op.add_column("insights", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("organisations", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.add_column("people", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_organisations_retention_days_positive"), "organisations", "retention_days > 0"
    )
    # The audit trail is one organisation's, like every other tenant table (0008tenancy).
    condition = "org_id = NULLIF(current_setting('insight.org_id', true), '')::uuid"
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON audit_log TO insight_app")
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON audit_log TO insight_app "
        f"USING ({condition}) WITH CHECK ({condition})"
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_organisations_retention_days_positive"), "organisations", type_="check"
    )
    op.drop_column("people", "erased_at")
    op.drop_column("organisations", "retention_days")
    op.drop_column("insights", "redacted_at")
    op.drop_index("ix_audit_log_org_at", table_name="audit_log")
    op.drop_index("ix_audit_log_org_actor", table_name="audit_log")
    op.drop_table("audit_log")
