"""confidential units: the unit a confidential insight shows, and its threshold

Revision ID: 0013_confidential_units
Revises: 0012_customer_channels

A confidential insight shows others the nearest unit at or above its own where at least
`organisations.confidential_unit_min_people` (5) active people are at home, so a team of
one does not name its reporter. Existing insights get theirs from today's people.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_confidential_units"
down_revision: str | None = "0012_customer_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same choice as `app.insights.policies.shown_unit`, for every confidential insight.
_SHOWN = """
UPDATE insights i SET shown_unit_id = (
  SELECT level.id
  FROM units posted
  JOIN units level ON level.org_id = posted.org_id AND posted.path LIKE level.path || '%'
  CROSS JOIN LATERAL (
    SELECT (
      SELECT count(*) FROM (
        SELECT 1 FROM units home
        JOIN people p ON p.org_id = home.org_id AND p.home_unit_id = home.id
        WHERE home.org_id = level.org_id AND home.path LIKE level.path || '%' AND p.active
        LIMIT o.confidential_unit_min_people
      ) at_home
    ) >= o.confidential_unit_min_people AS enough
    FROM organisations o WHERE o.id = level.org_id
  ) counted
  WHERE posted.org_id = i.org_id AND posted.id = i.unit_id
  ORDER BY CASE WHEN counted.enough THEN length(level.path) ELSE -length(level.path) END DESC
  LIMIT 1
)
WHERE i.visibility = 'confidential'
"""


def upgrade() -> None:
    op.add_column(
        "organisations",
        sa.Column("confidential_unit_min_people", sa.Integer(), server_default="5", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_organisations_confidential_unit_min_people_positive"),
        "organisations",
        "confidential_unit_min_people > 0",
    )
    op.add_column("insights", sa.Column("shown_unit_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE insights SET shown_unit_id = unit_id")
    op.execute(_SHOWN)
    op.alter_column("insights", "shown_unit_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_insights_org_id_shown_unit_id_units"),
        "insights",
        "units",
        ["org_id", "shown_unit_id"],
        ["org_id", "id"],
    )
    op.create_index(
        "ix_insights_shown_unit",
        "insights",
        ["org_id", "shown_unit_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_people_org_id_home_unit_id", "people", ["org_id", "home_unit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_people_org_id_home_unit_id", table_name="people")
    op.drop_index("ix_insights_shown_unit", table_name="insights")
    op.drop_constraint(
        op.f("fk_insights_org_id_shown_unit_id_units"), "insights", type_="foreignkey"
    )
    op.drop_column("insights", "shown_unit_id")
    op.drop_constraint(
        op.f("ck_organisations_confidential_unit_min_people_positive"),
        "organisations",
        type_="check",
    )
    op.drop_column("organisations", "confidential_unit_min_people")
