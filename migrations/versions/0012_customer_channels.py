"""customer channels: a message no channel can send awaits a person

Revision ID: 0012_customer_channels
Revises: 0011_deadline_minutes

Without a configured channel a customer message was recorded as delivered although nothing
was sent; it now waits, `awaiting_person`, until someone reaches the customer and marks it
delivered.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_customer_channels"
down_revision: str | None = "0011_deadline_minutes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ["queued", "sent", "delivered", "failed"]
NEW = ["awaiting_person", *OLD]


def _allow(values: list[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.drop_constraint(
        op.f("ck_loop_communications_delivery_status"), "loop_communications", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_loop_communications_delivery_status"),
        "loop_communications",
        f"status IN ({listed})",
    )


def upgrade() -> None:
    _allow(NEW)


def downgrade() -> None:
    # What still waits for a person was not sent: failed is the honest old word for it.
    op.execute(
        "UPDATE loop_communications SET status = 'failed', failed_at = created_at, "
        "failure_reason = 'no channel could send it' WHERE status = 'awaiting_person'"
    )
    _allow(OLD)
