"""themes: embeddings, themes and the decisions managers made about them

Revision ID: 0014_themes
Revises: 0013_confidential_units

Every insight's text gets a vector (`insight_embeddings`, `real[]` on every server). Where the
server has the pgvector extension it is created and an HNSW index over
`embedding::vector(384)` serves nearest-neighbour searches; elsewhere the platform searches
exactly (`app.themes.vectors` tells which). A trigger queues every new or changed text for
its vector, and the insights that exist now are queued too.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_themes"
down_revision: str | None = "0013_confidential_units"

NEW_TENANT_TABLES = (
    "insight_embeddings",
    "embedding_backlog",
    "themes",
    "theme_members",
    "theme_decisions",
    "clustering_runs",
)
# Built only where the server has pgvector: the models do not declare it (migrations/env.py).
VECTOR_INDEX = "ix_insight_embeddings_vector"

_QUEUE_FUNCTION = """
CREATE FUNCTION queue_insight_embedding() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO embedding_backlog (org_id, insight_id) VALUES (NEW.org_id, NEW.id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""
_QUEUE_ON_INSERT = """
CREATE TRIGGER queue_insight_embedding_on_insert AFTER INSERT ON insights
FOR EACH ROW EXECUTE FUNCTION queue_insight_embedding()
"""
_QUEUE_ON_UPDATE = """
CREATE TRIGGER queue_insight_embedding_on_update AFTER UPDATE OF text ON insights
FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text)
EXECUTE FUNCTION queue_insight_embedding()
"""


def upgrade() -> None:
    op.create_table(
        "clustering_runs",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_clustering_runs_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "requested_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_clustering_runs_org_id_requested_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_clustering_runs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_clustering_runs")),
    )
    op.create_index(
        "ix_clustering_runs_org_created", "clustering_runs", ["org_id", "created_at"], unique=False
    )
    op.create_table(
        "themes",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "merged",
                "retired",
                name="theme_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label_fi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("name_fi", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("named_by", sa.Uuid(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("curated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("centroid", sa.ARRAY(sa.REAL()), nullable=True),
        sa.Column("member_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)",
            name=op.f("ck_themes_merged_has_target"),
        ),
        sa.CheckConstraint("merged_into_id <> id", name=op.f("ck_themes_not_merged_into_itself")),
        sa.ForeignKeyConstraint(
            ["org_id", "merged_into_id"],
            ["themes.org_id", "themes.id"],
            name=op.f("fk_themes_org_id_merged_into_id_themes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "named_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_themes_org_id_named_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_themes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_themes")),
    )
    op.create_index("ix_themes_org_status", "themes", ["org_id", "status"], unique=False)
    op.create_table(
        "embedding_backlog",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column(
            "queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_embedding_backlog_org_id_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_embedding_backlog_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "insight_id", name=op.f("pk_embedding_backlog")),
    )
    op.create_index(
        "ix_embedding_backlog_queued_at", "embedding_backlog", ["queued_at"], unique=False
    )
    op.create_table(
        "insight_embeddings",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("embedding", sa.ARRAY(sa.REAL()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_insight_embeddings_org_id_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_insight_embeddings_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", "insight_id", name=op.f("pk_insight_embeddings")),
    )
    op.create_table(
        "theme_decisions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "renamed",
                "merged",
                "split",
                "moved",
                name="theme_decision_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "actor_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_theme_decisions_org_id_actor_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "theme_id"],
            ["themes.org_id", "themes.id"],
            name=op.f("fk_theme_decisions_org_id_theme_id_themes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_theme_decisions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_theme_decisions")),
    )
    op.create_index(
        "ix_theme_decisions_theme", "theme_decisions", ["org_id", "theme_id", "id"], unique=False
    )
    op.create_table(
        "theme_members",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("similarity", sa.REAL(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_theme_members_org_id_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "theme_id"],
            ["themes.org_id", "themes.id"],
            name=op.f("fk_theme_members_org_id_theme_id_themes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_theme_members_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "insight_id", name=op.f("pk_theme_members")),
    )
    op.create_index("ix_theme_members_theme", "theme_members", ["org_id", "theme_id"], unique=False)
    op.add_column("routing_rules", sa.Column("match_theme_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_routing_rules_org_id_match_theme_id_themes"),
        "routing_rules",
        "themes",
        ["org_id", "match_theme_id"],
        ["org_id", "id"],
    )

    for table in NEW_TENANT_TABLES:
        condition = "org_id = NULLIF(current_setting('insight.org_id', true), '')::uuid"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO insight_app "
            f"USING ({condition}) WITH CHECK ({condition})"
        )
    op.execute(_QUEUE_FUNCTION)
    op.execute(_QUEUE_ON_INSERT)
    op.execute(_QUEUE_ON_UPDATE)
    op.execute("INSERT INTO embedding_backlog (org_id, insight_id) SELECT org_id, id FROM insights")
    available = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    )
    if available:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
        op.execute(
            f"CREATE INDEX {VECTOR_INDEX} ON insight_embeddings "
            "USING hnsw ((embedding::vector(384)) vector_cosine_ops)"
        )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")
    op.execute("DROP TRIGGER IF EXISTS queue_insight_embedding_on_update ON insights")
    op.execute("DROP TRIGGER IF EXISTS queue_insight_embedding_on_insert ON insights")
    op.execute("DROP FUNCTION IF EXISTS queue_insight_embedding()")
    op.drop_constraint(
        op.f("fk_routing_rules_org_id_match_theme_id_themes"), "routing_rules", type_="foreignkey"
    )
    op.drop_column("routing_rules", "match_theme_id")
    op.drop_index("ix_theme_members_theme", table_name="theme_members")
    op.drop_table("theme_members")
    op.drop_index("ix_theme_decisions_theme", table_name="theme_decisions")
    op.drop_table("theme_decisions")
    op.drop_table("insight_embeddings")
    op.drop_index("ix_embedding_backlog_queued_at", table_name="embedding_backlog")
    op.drop_table("embedding_backlog")
    op.drop_index("ix_themes_org_status", table_name="themes")
    op.drop_table("themes")
    op.drop_index("ix_clustering_runs_org_created", table_name="clustering_runs")
    op.drop_table("clustering_runs")
