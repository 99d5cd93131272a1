"""initial schema

Revision ID: bdfd941b9fff
Create Date: 2026-11-22 07:31:19.559140+00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "bdfd941b9fff"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column(
            "default_locale",
            sa.Enum(
                "fi", "en", name="locale", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("ack_deadline_hours", sa.Integer(), nullable=False),
        sa.Column("respond_deadline_hours", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ack_deadline_hours > 0", name=op.f("ck_organisations_ack_deadline_positive")
        ),
        sa.CheckConstraint(
            "respond_deadline_hours > 0", name=op.f("ck_organisations_respond_deadline_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "journey_stages",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label_fi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_journey_stages_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_journey_stages")),
    )
    op.create_table(
        "touchpoints",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label_fi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_touchpoints_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_touchpoints")),
    )
    op.create_table(
        "units",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "company",
                "region",
                "store",
                "team",
                "function",
                name="unit_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "parent_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_units_org_id_parent_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_units_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_units")),
    )
    op.create_index(
        "ix_units_org_id_path",
        "units",
        ["org_id", "path"],
        unique=False,
        postgresql_ops={"path": "text_pattern_ops"},
    )
    op.create_table(
        "people",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("home_unit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "locale",
            sa.Enum(
                "fi", "en", name="locale", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "home_unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_people_org_id_home_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_people_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_people")),
        sa.UniqueConstraint("org_id", "email", name=op.f("uq_people_org_id_email")),
        sa.UniqueConstraint("subject", name=op.f("uq_people_subject")),
    )
    op.create_table(
        "actions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "cancelled",
                name="action_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "created_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_actions_org_id_created_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "owner_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_actions_org_id_owner_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_actions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_actions")),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_authorization_codes_org_id_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_authorization_codes")),
    )
    op.create_table(
        "insights",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "observation",
                "customer_story",
                "idea",
                "complaint",
                "praise",
                name="insight_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("journey_stage", sa.String(length=64), nullable=True),
        sa.Column("touchpoint", sa.String(length=64), nullable=True),
        sa.Column("customer_impact", sa.SmallInteger(), nullable=False),
        sa.Column("customers_affected", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "named",
                "confidential",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "acknowledged",
                "in_progress",
                "resolved",
                "declined",
                name="insight_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_unit_id", sa.Uuid(), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("loop_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('simple'::regconfig, text) || "
                "to_tsvector('finnish'::regconfig, text) || "
                "to_tsvector('english'::regconfig, text)",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "customer_impact BETWEEN 0 AND 3", name=op.f("ck_insights_customer_impact_range")
        ),
        sa.CheckConstraint(
            "customers_affected >= 0", name=op.f("ck_insights_customers_affected_positive")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "author_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_insights_org_id_author_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "journey_stage"],
            ["journey_stages.org_id", "journey_stages.key"],
            name=op.f("fk_insights_org_id_journey_stage_journey_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "owner_unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_insights_org_id_owner_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "touchpoint"],
            ["touchpoints.org_id", "touchpoints.key"],
            name=op.f("fk_insights_org_id_touchpoint_touchpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_insights_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_insights_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_insights")),
    )
    op.create_index(
        "ix_insights_author", "insights", ["org_id", "author_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_insights_owner_inbox",
        "insights",
        ["org_id", "owner_unit_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_insights_search", "insights", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_insights_unit", "insights", ["org_id", "unit_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_refresh_tokens_org_id_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    op.create_table(
        "role_grants",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "frontline",
                "manager",
                "hr",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_role_grants_org_id_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_role_grants_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_role_grants_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "person_id", "role", "unit_id", name=op.f("pk_role_grants")
        ),
    )
    op.create_index(
        "ix_role_grants_org_id_unit_id_role",
        "role_grants",
        ["org_id", "unit_id", "role"],
        unique=False,
    )
    op.create_table(
        "action_insights",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("linked_by", sa.Uuid(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "action_id"],
            ["actions.org_id", "actions.id"],
            name=op.f("fk_action_insights_org_id_action_id_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_action_insights_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "linked_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_action_insights_org_id_linked_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_action_insights_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "action_id", "insight_id", name=op.f("pk_action_insights")
        ),
    )
    op.create_index(
        "ix_action_insights_insight", "action_insights", ["org_id", "insight_id"], unique=False
    )
    op.create_table(
        "comments",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "author_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_comments_org_id_author_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_comments_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_comments_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_comments")),
    )
    op.create_index(
        "ix_comments_insight",
        "comments",
        ["org_id", "insight_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "insight_events",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
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
                name="event_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "actor_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_insight_events_org_id_actor_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_insight_events_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_insight_events_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_insight_events")),
    )
    op.create_index(
        "ix_insight_events_insight", "insight_events", ["org_id", "insight_id", "id"], unique=False
    )
    op.create_table(
        "loop_communications",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "reporter",
                "customer",
                name="audience",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "in_app",
                "email",
                "sms",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "author_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_loop_communications_org_id_author_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_loop_communications_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_loop_communications_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_loop_communications")),
    )
    op.create_index(
        "ix_loop_communications_insight",
        "loop_communications",
        ["org_id", "insight_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "insight_assigned",
                "insight_acknowledged",
                "insight_status_changed",
                "comment_added",
                "action_linked",
                "action_completed",
                "reporter_told",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("insight_id", sa.Uuid(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_notifications_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_notifications_org_id_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_notifications_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_feed",
        "notifications",
        ["org_id", "person_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_feed", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_loop_communications_insight", table_name="loop_communications")
    op.drop_table("loop_communications")
    op.drop_index("ix_insight_events_insight", table_name="insight_events")
    op.drop_table("insight_events")
    op.drop_index("ix_comments_insight", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_action_insights_insight", table_name="action_insights")
    op.drop_table("action_insights")
    op.drop_index("ix_role_grants_org_id_unit_id_role", table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_insights_unit", table_name="insights")
    op.drop_index("ix_insights_search", table_name="insights", postgresql_using="gin")
    op.drop_index("ix_insights_owner_inbox", table_name="insights")
    op.drop_index("ix_insights_author", table_name="insights")
    op.drop_table("insights")
    op.drop_table("authorization_codes")
    op.drop_table("actions")
    op.drop_table("people")
    op.drop_index(
        "ix_units_org_id_path", table_name="units", postgresql_ops={"path": "text_pattern_ops"}
    )
    op.drop_table("units")
    op.drop_table("touchpoints")
    op.drop_table("journey_stages")
    op.drop_table("signing_keys")
    op.drop_table("organisations")
