"""actions: a version column for their ETag

Revision ID: 0010_action_version
Revises: 0009privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_action_version"
down_revision: str | None = "0009privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing actions start at version 1; the model sets it from then on.
    op.add_column("actions", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.alter_column("actions", "version", server_default=None)


def downgrade() -> None:
    op.drop_column("actions", "version")
