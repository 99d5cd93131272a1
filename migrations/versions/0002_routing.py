"""routing rules and escalation

Routing rules per organisation (each existing organisation gets the default rule), insight
tags, the deadlines each insight was routed with and its escalation state, and the schema of
the procrastinate task queue in a PostgreSQL schema of its own (`procrastinate`), taken from
the installed package: the queue's connections put that schema on their search path.

Revision ID: 0002routing
Revises: bdfd941b9fff
Create Date: 2026-11-22 08:29:16.916527+00:00
"""

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision: str = "0002routing"
down_revision: str | None = "bdfd941b9fff"


def upgrade() -> None:
    op.create_table(
        "routing_rules",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "match_kinds",
            sa.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "match_journey_stages",
            sa.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "match_tags",
            sa.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("match_min_impact", sa.SmallInteger(), nullable=True),
        sa.Column("match_unit_id", sa.Uuid(), nullable=True),
        sa.Column("target_levels_up", sa.SmallInteger(), nullable=True),
        sa.Column("target_unit_id", sa.Uuid(), nullable=True),
        sa.Column("ack_hours", sa.Integer(), nullable=False),
        sa.Column("respond_hours", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(target_levels_up IS NULL) <> (target_unit_id IS NULL)",
            name=op.f("ck_routing_rules_one_target"),
        ),
        sa.CheckConstraint(
            "ack_hours > 0 AND respond_hours >= ack_hours",
            name=op.f("ck_routing_rules_deadlines_ordered"),
        ),
        sa.CheckConstraint(
            "match_min_impact BETWEEN 0 AND 3", name=op.f("ck_routing_rules_min_impact_range")
        ),
        sa.CheckConstraint(
            "target_levels_up BETWEEN 0 AND 32", name=op.f("ck_routing_rules_levels_up_range")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "match_unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_routing_rules_org_id_match_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "target_unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_routing_rules_org_id_target_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_routing_rules_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_routing_rules")),
    )
    op.create_index(
        "ix_routing_rules_org_position", "routing_rules", ["org_id", "position"], unique=False
    )
    op.add_column(
        "insights",
        sa.Column(
            "tags", sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False
        ),
    )
    op.add_column("insights", sa.Column("ack_hours", sa.Integer(), nullable=True))
    op.add_column("insights", sa.Column("respond_hours", sa.Integer(), nullable=True))
    # Insights posted before rules existed were routed with their organisation's deadlines.
    op.execute(
        "UPDATE insights i SET ack_hours = o.ack_deadline_hours,"
        " respond_hours = greatest(o.respond_deadline_hours, o.ack_deadline_hours)"
        " FROM organisations o WHERE o.id = i.org_id"
    )
    op.alter_column("insights", "ack_hours", nullable=False)
    op.alter_column("insights", "respond_hours", nullable=False)
    op.add_column(
        "insights",
        sa.Column(
            "escalation_level", sa.SmallInteger(), server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column(
        "insights", sa.Column("escalation_stopped_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_insights_ack_due",
        "insights",
        ["ack_due_at"],
        unique=False,
        postgresql_where=sa.text("status = 'new' AND escalation_stopped_at IS NULL"),
    )
    op.create_index(
        "ix_insights_respond_due",
        "insights",
        ["respond_due_at"],
        unique=False,
        postgresql_where=sa.text(
            "status IN ('new', 'acknowledged', 'in_progress') AND escalation_stopped_at IS NULL"
        ),
    )
    op.execute(
        "INSERT INTO routing_rules (org_id, id, name, position, active, target_levels_up,"
        " ack_hours, respond_hours, version, created_at, updated_at)"
        " SELECT id, gen_random_uuid(), 'Default: managers of the nearest unit with managers',"
        " 0, true, 0, ack_deadline_hours, greatest(respond_deadline_hours, ack_deadline_hours),"
        " 1, now(), now() FROM organisations"
    )
    _replace_check("insight_events", "event_type", "type", EVENT_TYPES + NEW_EVENT_TYPES)
    _replace_check("notifications", "notification_kind", "kind", KINDS + NEW_KINDS)

    op.execute("CREATE SCHEMA procrastinate")
    search_path = op.get_bind().exec_driver_sql("SHOW search_path").scalar()
    _run_script("SET LOCAL search_path TO procrastinate;\n" + SchemaManager.get_schema())
    op.execute(
        sa.text("SELECT set_config('search_path', :path, true)").bindparams(path=search_path)
    )


EVENT_TYPES = [
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
]
NEW_EVENT_TYPES = ["escalated", "escalation_stopped", "reassigned"]
KINDS = [
    "insight_assigned",
    "insight_acknowledged",
    "insight_status_changed",
    "comment_added",
    "action_linked",
    "action_completed",
    "reporter_told",
]
NEW_KINDS = ["insight_escalated"]


def _replace_check(table: str, name: str, column: str, values: list[str]) -> None:
    """Enum columns are text with a CHECK constraint, which autogenerate does not compare."""
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    allowed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, f"{column} IN ({allowed})")


def _run_script(sql: str) -> None:
    # Many statements with dollar-quoted bodies: only the simple query protocol runs such a
    # script whole, and asyncpg uses it for a statement without arguments.
    await_only(op.get_bind().connection.driver_connection.execute(sql))


def downgrade() -> None:
    op.execute("DROP SCHEMA procrastinate CASCADE")
    op.execute(
        "DELETE FROM insight_events WHERE type IN ('escalated', 'escalation_stopped', 'reassigned')"
    )
    op.execute("DELETE FROM notifications WHERE kind = 'insight_escalated'")
    _replace_check("insight_events", "event_type", "type", EVENT_TYPES)
    _replace_check("notifications", "notification_kind", "kind", KINDS)
    op.drop_index(
        "ix_insights_respond_due",
        table_name="insights",
        postgresql_where=sa.text(
            "status IN ('new', 'acknowledged', 'in_progress') AND escalation_stopped_at IS NULL"
        ),
    )
    op.drop_index(
        "ix_insights_ack_due",
        table_name="insights",
        postgresql_where=sa.text("status = 'new' AND escalation_stopped_at IS NULL"),
    )
    op.drop_column("insights", "escalation_stopped_at")
    op.drop_column("insights", "escalation_level")
    op.drop_column("insights", "respond_hours")
    op.drop_column("insights", "ack_hours")
    op.drop_column("insights", "tags")
    op.drop_index("ix_routing_rules_org_position", table_name="routing_rules")
    op.drop_table("routing_rules")
