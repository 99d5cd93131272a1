"""webhooks and e-mail delivery: subscriptions, the delivery log, and the timeline as outbox

Revision ID: 0004delivery
Revises: 0003loop
Create Date: 2026-11-22 09:04:28.492083+00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004delivery"
down_revision: str | None = "0003loop"


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column(
            "event_types",
            sa.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_subscriptions_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                name="delivery_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "event_id"],
            ["insight_events.org_id", "insight_events.id"],
            name=op.f("fk_webhook_deliveries_org_id_event_id_insight_events"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "subscription_id"],
            ["webhook_subscriptions.org_id", "webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_org_id_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_deliveries_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "org_id",
            "subscription_id",
            "event_id",
            name=op.f("uq_webhook_deliveries_org_id_subscription_id_event_id"),
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_log",
        "webhook_deliveries",
        ["org_id", "subscription_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "delivery_id"],
            ["webhook_deliveries.org_id", "webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_org_id_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "delivery_id", "attempt", name=op.f("pk_webhook_attempts")
        ),
    )
    op.add_column(
        "insight_events",
        sa.Column("webhooks_dispatched_at", sa.DateTime(timezone=True), nullable=True),
    )
    # The timeline so far predates every subscription: nothing of it is sent.
    op.execute("UPDATE insight_events SET webhooks_dispatched_at = created_at")
    op.create_index(
        "ix_insight_events_undispatched",
        "insight_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("webhooks_dispatched_at IS NULL"),
    )

    # E-mail: the outbox state of staff notifications and of queued customer messages.
    op.add_column(
        "loop_communications",
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "loop_communications",
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_loop_communications_queued",
        "loop_communications",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.add_column(
        "notifications",
        sa.Column(
            "email_state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="email_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
    )
    op.add_column(
        "notifications",
        sa.Column("email_attempts", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "notifications", sa.Column("email_next_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("notifications", sa.Column("email_error", sa.String(length=500), nullable=True))
    op.add_column(
        "notifications", sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_notifications_email_due",
        "notifications",
        ["email_next_at"],
        unique=False,
        postgresql_where=sa.text("email_state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notifications_email_due",
        table_name="notifications",
        postgresql_where=sa.text("email_state = 'pending'"),
    )
    op.drop_column("notifications", "emailed_at")
    op.drop_column("notifications", "email_error")
    op.drop_column("notifications", "email_next_at")
    op.drop_column("notifications", "email_attempts")
    op.drop_column("notifications", "email_state")
    op.drop_index(
        "ix_loop_communications_queued",
        table_name="loop_communications",
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.drop_column("loop_communications", "next_attempt_at")
    op.drop_column("loop_communications", "attempts")
    op.drop_index(
        "ix_insight_events_undispatched",
        table_name="insight_events",
        postgresql_where=sa.text("webhooks_dispatched_at IS NULL"),
    )
    op.drop_column("insight_events", "webhooks_dispatched_at")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_deliveries_log", table_name="webhook_deliveries")
    op.drop_index(
        "ix_webhook_deliveries_due",
        table_name="webhook_deliveries",
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
