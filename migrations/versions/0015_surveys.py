"""surveys: pulse surveys, anonymous answers, imported EX results and CX outcomes

Revision ID: 0015_surveys
Revises: 0014_themes

A survey response holds no person and no time; participation is recorded apart. Every new
table belongs to one organisation and gets the tenant policy of 0008.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_surveys"
down_revision: str | None = "0014_themes"


NEW_TENANT_TABLES = (
    "surveys",
    "survey_items",
    "survey_targets",
    "survey_waves",
    "wave_units",
    "survey_responses",
    "survey_participation",
    "data_imports",
    "ex_responses",
    "ex_aggregates",
    "cx_outcomes",
)


def upgrade() -> None:
    op.create_table(
        "data_imports",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ex_responses",
                "ex_aggregates",
                "cx_outcomes",
                name="data_import_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "created_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_data_imports_org_id_created_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_data_imports_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_data_imports")),
        sa.UniqueConstraint(
            "org_id", "kind", "digest", name=op.f("uq_data_imports_org_id_kind_digest")
        ),
    )
    op.create_index(
        "ix_data_imports_org_created", "data_imports", ["org_id", "created_at"], unique=False
    )
    op.create_table(
        "surveys",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "created_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_surveys_org_id_created_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_surveys_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "cx_outcomes",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column(
            "measure",
            sa.Enum(
                "nps",
                "csat",
                "ces",
                "complaint_rate",
                name="cx_measure",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.CheckConstraint("n IS NULL OR n > 0", name=op.f("ck_cx_outcomes_n_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "import_id"],
            ["data_imports.org_id", "data_imports.id"],
            name=op.f("fk_cx_outcomes_org_id_import_id_data_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_cx_outcomes_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_cx_outcomes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "unit_id", "period", "measure", name=op.f("pk_cx_outcomes")
        ),
    )
    op.create_table(
        "ex_aggregates",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=80), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Double(), nullable=False),
        sa.CheckConstraint("n > 0", name=op.f("ck_ex_aggregates_n_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "import_id"],
            ["data_imports.org_id", "data_imports.id"],
            name=op.f("fk_ex_aggregates_org_id_import_id_data_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_ex_aggregates_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_ex_aggregates_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "unit_id", "period", "measure", name=op.f("pk_ex_aggregates")
        ),
    )
    op.create_table(
        "ex_responses",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enps", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint("enps BETWEEN 0 AND 10", name=op.f("ck_ex_responses_enps_in_range")),
        sa.ForeignKeyConstraint(
            ["org_id", "import_id"],
            ["data_imports.org_id", "data_imports.id"],
            name=op.f("fk_ex_responses_org_id_import_id_data_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_ex_responses_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_ex_responses_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_ex_responses")),
    )
    op.create_index(
        "ix_ex_responses_unit_period", "ex_responses", ["org_id", "unit_id", "period"], unique=False
    )
    op.create_table(
        "survey_items",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "likert",
                "enps",
                "comment",
                name="survey_item_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("factor", sa.String(length=80), nullable=True),
        sa.Column("text_fi", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'likert') = (factor IS NOT NULL)",
            name=op.f("ck_survey_items_likert_has_factor"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "survey_id"],
            ["surveys.org_id", "surveys.id"],
            name=op.f("fk_survey_items_org_id_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_survey_items_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "survey_id", "key", name=op.f("pk_survey_items")),
        sa.UniqueConstraint(
            "org_id",
            "survey_id",
            "position",
            name=op.f("uq_survey_items_org_id_survey_id_position"),
        ),
    )
    op.create_table(
        "survey_targets",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "survey_id"],
            ["surveys.org_id", "surveys.id"],
            name=op.f("fk_survey_targets_org_id_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_survey_targets_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_survey_targets_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "survey_id", "unit_id", name=op.f("pk_survey_targets")),
    )
    op.create_table(
        "survey_waves",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="survey_wave_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("opened_by", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("earlier_floors", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM period) = 1", name=op.f("ck_survey_waves_period_is_a_month")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "opened_by"],
            ["people.org_id", "people.id"],
            name=op.f("fk_survey_waves_org_id_opened_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "survey_id"],
            ["surveys.org_id", "surveys.id"],
            name=op.f("fk_survey_waves_org_id_survey_id_surveys"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_survey_waves_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_survey_waves")),
    )
    op.create_index("ix_survey_waves_survey", "survey_waves", ["org_id", "survey_id"], unique=False)
    op.create_table(
        "survey_participation",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("wave_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_survey_participation_org_id_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "wave_id"],
            ["survey_waves.org_id", "survey_waves.id"],
            name=op.f("fk_survey_participation_org_id_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_survey_participation_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "wave_id", "person_id", name=op.f("pk_survey_participation")
        ),
    )
    op.create_table(
        "survey_responses",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wave_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("likert", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("enps", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_language", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "1 <= ALL(likert) AND 5 >= ALL(likert)",
            name=op.f("ck_survey_responses_likert_in_range"),
        ),
        sa.CheckConstraint("enps BETWEEN 0 AND 10", name=op.f("ck_survey_responses_enps_in_range")),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_survey_responses_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "wave_id"],
            ["survey_waves.org_id", "survey_waves.id"],
            name=op.f("fk_survey_responses_org_id_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_survey_responses_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_survey_responses")),
    )
    op.create_index(
        "ix_survey_responses_wave_unit",
        "survey_responses",
        ["org_id", "wave_id", "unit_id"],
        unique=False,
    )
    op.create_table(
        "wave_units",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("wave_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "unit_id"],
            ["units.org_id", "units.id"],
            name=op.f("fk_wave_units_org_id_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "wave_id"],
            ["survey_waves.org_id", "survey_waves.id"],
            name=op.f("fk_wave_units_org_id_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_wave_units_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "wave_id", "unit_id", name=op.f("pk_wave_units")),
    )
    op.add_column(
        "organisations",
        sa.Column("survey_min_group", sa.Integer(), server_default="5", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_organisations_survey_min_group_at_least_5"),
        "organisations",
        "survey_min_group >= 5",
    )
    for table in NEW_TENANT_TABLES:
        condition = "org_id = NULLIF(current_setting('insight.org_id', true), '')::uuid"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO insight_app "
            f"USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_organisations_survey_min_group_at_least_5"), "organisations", type_="check"
    )
    op.drop_column("organisations", "survey_min_group")
    op.drop_table("wave_units")
    op.drop_index("ix_survey_responses_wave_unit", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("survey_participation")
    op.drop_index("ix_survey_waves_survey", table_name="survey_waves")
    op.drop_table("survey_waves")
    op.drop_table("survey_targets")
    op.drop_table("survey_items")
    op.drop_index("ix_ex_responses_unit_period", table_name="ex_responses")
    op.drop_table("ex_responses")
    op.drop_table("ex_aggregates")
    op.drop_table("cx_outcomes")
    op.drop_table("surveys")
    op.drop_index("ix_data_imports_org_created", table_name="data_imports")
    op.drop_table("data_imports")
