"""endorsements, merges and the customer loop

Revision ID: 0003loop
Revises: 0002routing
Create Date: 2026-11-22 08:26:05.856503+00:00
"""

import sqlalchemy as sa
from alembic import op

# Enums are text with a CHECK constraint (app.org.models.enum_column): a new value replaces
# the constraint.
ENUMS = {
    ("insights", "insight_status", "status"): (
        ["new", "acknowledged", "in_progress", "resolved", "declined"],
        ["merged"],
    ),
    ("insight_events", "event_type", "type"): (
        [
            "posted",
            "routed",
            "acknowledged",
            "started",
            "resolved",
            "declined",
            "commented",
            "action_linked",
            "action_completed",
            "reporter_told",
            "loop_closed",
            "escalated",
            "escalation_stopped",
            "reassigned",
        ],
        [
            "endorsed",
            "merged",
            "merged_into",
            "customer_told",
            "customer_loop_changed",
            "customer_contact_erased",
        ],
    ),
    ("loop_communications", "channel", "channel"): (["in_app", "email", "sms"], ["phone"]),
    ("notifications", "notification_kind", "kind"): (
        [
            "insight_assigned",
            "insight_acknowledged",
            "insight_status_changed",
            "comment_added",
            "action_linked",
            "action_completed",
            "reporter_told",
            "insight_escalated",
        ],
        ["insight_merged", "endorsement_answered"],
    ),
}


def _allow(table: str, name: str, column: str, values: list[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, f"{column} IN ({listed})")


revision: str = "0003loop"
down_revision: str | None = "0002routing"


def upgrade() -> None:
    for (table, name, column), (old, new) in ENUMS.items():
        _allow(table, name, column, old + new)
    op.create_table(
        "customer_contacts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "in_app",
                "email",
                "sms",
                "phone",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("loop_owner_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(erased_at IS NULL) = (name IS NOT NULL AND address IS NOT NULL)",
            name=op.f("ck_customer_contacts_erased_or_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_customer_contacts_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "loop_owner_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_customer_contacts_org_id_loop_owner_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "recorded_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_customer_contacts_org_id_recorded_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_customer_contacts_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "insight_id", name=op.f("pk_customer_contacts")),
    )
    op.create_table(
        "endorsements",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_endorsements_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_endorsements_org_id_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_endorsements_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_endorsements_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint(
            "org_id",
            "insight_id",
            "person_id",
            name=op.f("uq_endorsements_org_id_insight_id_person_id"),
        ),
    )
    op.add_column("insights", sa.Column("merged_into_id", sa.Uuid(), nullable=True))
    op.add_column(
        "insights", sa.Column("endorsement_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_index(
        "ix_insights_merged_into",
        "insights",
        ["org_id", "merged_into_id"],
        unique=False,
        postgresql_where="merged_into_id IS NOT NULL",
    )
    op.create_foreign_key(
        op.f("fk_insights_org_id_merged_into_id_insights"),
        "insights",
        "insights",
        ["org_id", "merged_into_id"],
        ["org_id", "id"],
    )
    op.create_check_constraint(
        op.f("ck_insights_not_merged_into_itself"), "insights", "merged_into_id <> id"
    )
    op.create_check_constraint(
        op.f("ck_insights_merged_has_parent"),
        "insights",
        "(status = 'merged') = (merged_into_id IS NOT NULL)",
    )

    op.add_column("loop_communications", sa.Column("recipient_id", sa.Uuid(), nullable=True))
    # Every message so far was an in-app answer to the insight's reporter, delivered when stored.
    op.add_column(
        "loop_communications",
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sent",
                "delivered",
                "failed",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="delivered",
            nullable=False,
        ),
    )
    op.alter_column("loop_communications", "status", server_default=None)
    op.execute(
        "UPDATE loop_communications c SET recipient_id = i.author_id FROM insights i "
        "WHERE i.org_id = c.org_id AND i.id = c.insight_id AND c.audience = 'reporter'"
    )
    op.add_column(
        "loop_communications", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "loop_communications", sa.Column("failure_reason", sa.String(length=500), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_loop_communications_org_id_recipient_id_people"),
        "loop_communications",
        "people",
        ["org_id", "recipient_id"],
        ["org_id", "id"],
    )
    op.add_column(
        "organisations",
        sa.Column("customer_deadline_hours", sa.Integer(), server_default="72", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_organisations_customer_deadline_positive"),
        "organisations",
        "customer_deadline_hours > 0",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_organisations_customer_deadline_positive"), "organisations", type_="check"
    )
    op.drop_column("organisations", "customer_deadline_hours")
    op.drop_constraint(
        op.f("fk_loop_communications_org_id_recipient_id_people"),
        "loop_communications",
        type_="foreignkey",
    )
    op.execute("DELETE FROM loop_communications WHERE audience = 'customer'")
    op.drop_column("loop_communications", "failure_reason")
    op.drop_column("loop_communications", "failed_at")
    op.drop_column("loop_communications", "status")
    op.drop_column("loop_communications", "recipient_id")
    op.drop_constraint(op.f("ck_insights_merged_has_parent"), "insights", type_="check")
    op.drop_constraint(op.f("ck_insights_not_merged_into_itself"), "insights", type_="check")
    op.drop_constraint(
        op.f("fk_insights_org_id_merged_into_id_insights"), "insights", type_="foreignkey"
    )
    op.drop_index(
        "ix_insights_merged_into",
        table_name="insights",
        postgresql_where="merged_into_id IS NOT NULL",
    )
    # A merged duplicate cannot be told apart from its parent without the link: it reopens.
    op.execute("UPDATE insights SET status = 'new' WHERE status = 'merged'")
    op.drop_column("insights", "endorsement_count")
    op.drop_column("insights", "merged_into_id")
    op.drop_table("endorsements")
    op.drop_table("customer_contacts")
    op.execute(
        "DELETE FROM insight_events WHERE type IN ('endorsed', 'merged', 'merged_into', "
        "'customer_told', 'customer_loop_changed', 'customer_contact_erased')"
    )
    op.execute("DELETE FROM notifications WHERE kind IN ('insight_merged', 'endorsement_answered')")
    for (table, name, column), (old, _) in ENUMS.items():
        _allow(table, name, column, old)
