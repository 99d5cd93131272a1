"""attachments: photos and short recordings on insights and comments

Revision ID: 0006attachments
Revises: 0005idempotency
Create Date: 2026-11-22 11:10:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006attachments"
down_revision: str | None = "0005idempotency"


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "image",
                "audio",
                name="attachment_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("upload_sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("thumbnail_size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "comment_id"],
            ["comments.org_id", "comments.id"],
            name=op.f("fk_attachments_org_id_comment_id_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_attachments_org_id_insight_id_insights"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "uploader_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_attachments_org_id_uploader_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_attachments_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_attachments")),
    )
    op.create_index(
        "ix_attachments_comment",
        "attachments",
        ["org_id", "comment_id"],
        unique=False,
        postgresql_where=sa.text("comment_id IS NOT NULL"),
    )
    op.create_index(
        "ix_attachments_insight",
        "attachments",
        ["org_id", "insight_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_attachments_insight", table_name="attachments")
    op.drop_index(
        "ix_attachments_comment",
        table_name="attachments",
        postgresql_where=sa.text("comment_id IS NOT NULL"),
    )
    op.drop_table("attachments")
