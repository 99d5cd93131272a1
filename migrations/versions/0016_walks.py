"""walks: the indexes that serve inbox and list pages in their order at any size

Revision ID: 0016_walks
Revises: 0015_surveys

An inbox page walks the open insights of each owned unit newest first
(`ix_insights_owner_open`, partial, with the columns that tell whether one is overdue); the
list of all a reader may read walks the organisation's insights newest first
(`ix_insights_org_created`, with the columns its visibility test reads).
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0016_walks"
down_revision: str | None = "0015_surveys"


def upgrade() -> None:
    op.create_index(
        "ix_insights_owner_open",
        "insights",
        ["org_id", "owner_unit_id", "created_at", "id"],
        postgresql_include=["status", "ack_due_at", "respond_due_at"],
        postgresql_where=sa.text("status IN ('new', 'acknowledged', 'in_progress')"),
    )
    op.create_index(
        "ix_insights_org_created",
        "insights",
        ["org_id", "created_at", "id"],
        postgresql_include=["unit_id", "owner_unit_id", "author_id", "visibility"],
    )


def downgrade() -> None:
    op.drop_index("ix_insights_org_created", table_name="insights")
    op.drop_index("ix_insights_owner_open", table_name="insights")
