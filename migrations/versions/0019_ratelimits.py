"""ratelimits: request rates counted in one table shared by every process

Revision ID: 0019_ratelimits
Revises: 0018_post

`rate_limits` holds one theoretical arrival time per (limiter, key), as seconds since the
epoch (`app.web.ratelimit`). UNLOGGED: the rows are cheap to lose in a crash (every limit
starts afresh) and skip the write-ahead log on every request. The keys are opaque ids and
the table is read only by the platform's own autocommit statements, never within a
request's role, which has no right to it.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0019_ratelimits"
down_revision: str | None = "0018_post"

ROLE = "insight_app"


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("limiter", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("limiter", "key", name=op.f("pk_rate_limits")),
        prefixes=["UNLOGGED"],
    )
    op.execute(f"REVOKE ALL ON rate_limits FROM {ROLE}")


def downgrade() -> None:
    op.drop_table("rate_limits")
