"""changes feed: the writing transaction of events and notifications; comment language

Revision ID: 0007changes
Revises: 0006attachments
Create Date: 2026-11-22 11:35:44.072035+00:00
"""

import sqlalchemy as sa
from alembic import op

from app.platform.db import Xid8

revision: str = "0007changes"
down_revision: str | None = "0006attachments"


def upgrade() -> None:
    op.add_column(
        "insight_events",
        sa.Column(
            "txid",
            Xid8(),
            server_default=sa.text("pg_current_xact_id()"),
            nullable=False,
        ),
    )
    op.add_column(
        "notifications",
        sa.Column(
            "txid",
            Xid8(),
            server_default=sa.text("pg_current_xact_id()"),
            nullable=False,
        ),
    )
    op.add_column("comments", sa.Column("language", sa.String(length=8), nullable=True))
    op.create_index(
        "ix_notifications_changes",
        "notifications",
        ["org_id", "person_id", "txid", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_changes", table_name="notifications")
    op.drop_column("notifications", "txid")
    op.drop_column("insight_events", "txid")
    op.drop_column("comments", "language")
