"""deadlines in minutes: routing rules, insights and the organisation's defaults

A deadline such as "acknowledged within 15 minutes" could not be said in whole hours. The
columns are renamed and converted (hours × 60); their CHECK constraints follow the renamed
columns and keep their meaning, as every value is multiplied alike. Going down rounds up to
whole hours, so no deadline becomes shorter or zero.

Revision ID: 0011_deadline_minutes
Revises: 0010_action_version
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_deadline_minutes"
down_revision: str | None = "0010_action_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column in hours, column in minutes)
COLUMNS = [
    ("organisations", "ack_deadline_hours", "ack_deadline_minutes"),
    ("organisations", "respond_deadline_hours", "respond_deadline_minutes"),
    ("organisations", "customer_deadline_hours", "customer_deadline_minutes"),
    ("routing_rules", "ack_hours", "ack_minutes"),
    ("routing_rules", "respond_hours", "respond_minutes"),
    ("insights", "ack_hours", "ack_minutes"),
    ("insights", "respond_hours", "respond_minutes"),
]


def upgrade() -> None:
    for table, hours, minutes in COLUMNS:
        op.alter_column(table, hours, new_column_name=minutes)
    op.execute(
        "UPDATE organisations SET ack_deadline_minutes = ack_deadline_minutes * 60,"
        " respond_deadline_minutes = respond_deadline_minutes * 60,"
        " customer_deadline_minutes = customer_deadline_minutes * 60"
    )
    op.execute(
        "UPDATE routing_rules SET ack_minutes = ack_minutes * 60,"
        " respond_minutes = respond_minutes * 60"
    )
    op.execute(
        "UPDATE insights SET ack_minutes = ack_minutes * 60, respond_minutes = respond_minutes * 60"
    )
    op.alter_column("organisations", "customer_deadline_minutes", server_default="4320")


def downgrade() -> None:
    # Rounded up to whole hours: 15 minutes become one hour, never zero.
    op.execute(
        "UPDATE organisations SET ack_deadline_minutes = (ack_deadline_minutes + 59) / 60,"
        " respond_deadline_minutes = (respond_deadline_minutes + 59) / 60,"
        " customer_deadline_minutes = (customer_deadline_minutes + 59) / 60"
    )
    op.execute(
        "UPDATE routing_rules SET ack_minutes = (ack_minutes + 59) / 60,"
        " respond_minutes = (respond_minutes + 59) / 60"
    )
    op.execute(
        "UPDATE insights SET ack_minutes = (ack_minutes + 59) / 60,"
        " respond_minutes = (respond_minutes + 59) / 60"
    )
    for table, hours, minutes in COLUMNS:
        op.alter_column(table, minutes, new_column_name=hours)
    op.alter_column("organisations", "customer_deadline_hours", server_default="72")
