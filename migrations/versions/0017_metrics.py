"""metrics: each insight's timeline facts, kept by a trigger, for the listening metrics

Revision ID: 0017_metrics
Revises: 0016_walks

`insight_timeline_facts` holds, per insight that has any, the earliest `action_linked` and
`reporter_told` times and the number of `escalated` events. A trigger on `insight_events`
keeps it in the transaction that writes the event, whatever code writes it; the timeline is
append-only, so the earliest time and the count only ever move one way and stay exact.
Existing timelines are summed up once here. The table gets the tenant policy of 0008.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0017_metrics"
down_revision: str | None = "0016_walks"

TABLE = "insight_timeline_facts"

_FUNCTION = """
CREATE FUNCTION keep_insight_timeline_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insight_timeline_facts AS f
        (org_id, insight_id, first_action_at, reporter_told_at, escalations)
    VALUES (
        NEW.org_id,
        NEW.insight_id,
        CASE WHEN NEW.type = 'action_linked' THEN NEW.created_at END,
        CASE WHEN NEW.type = 'reporter_told' THEN NEW.created_at END,
        CASE WHEN NEW.type = 'escalated' THEN 1 ELSE 0 END
    )
    ON CONFLICT (org_id, insight_id) DO UPDATE SET
        -- least() passes over NULLs: the earliest of the times known.
        first_action_at = least(f.first_action_at, EXCLUDED.first_action_at),
        reporter_told_at = least(f.reporter_told_at, EXCLUDED.reporter_told_at),
        escalations = f.escalations + EXCLUDED.escalations;
    RETURN NULL;
END $$
"""
_TRIGGER = """
CREATE TRIGGER keep_insight_timeline_facts AFTER INSERT ON insight_events
FOR EACH ROW WHEN (NEW.type IN ('action_linked', 'reporter_told', 'escalated'))
EXECUTE FUNCTION keep_insight_timeline_facts()
"""
_BACKFILL = """
INSERT INTO insight_timeline_facts
    (org_id, insight_id, first_action_at, reporter_told_at, escalations)
SELECT org_id, insight_id,
       min(created_at) FILTER (WHERE type = 'action_linked'),
       min(created_at) FILTER (WHERE type = 'reporter_told'),
       count(*) FILTER (WHERE type = 'escalated')
FROM insight_events
WHERE type IN ('action_linked', 'reporter_told', 'escalated')
GROUP BY org_id, insight_id
"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insight_id", sa.Uuid(), nullable=False),
        sa.Column("first_action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reporter_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "insight_id"],
            ["insights.org_id", "insights.id"],
            name=op.f("fk_insight_timeline_facts_org_id_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_insight_timeline_facts_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", "insight_id", name=op.f("pk_insight_timeline_facts")),
    )
    # No event may slip in between the sum of the timelines and the trigger.
    op.execute("LOCK TABLE insight_events IN SHARE ROW EXCLUSIVE MODE")
    op.execute(_BACKFILL)
    op.execute(_FUNCTION)
    op.execute(_TRIGGER)
    condition = "org_id = NULLIF(current_setting('insight.org_id', true), '')::uuid"
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {TABLE} TO insight_app "
        f"USING ({condition}) WITH CHECK ({condition})"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS keep_insight_timeline_facts ON insight_events")
    op.execute("DROP FUNCTION IF EXISTS keep_insight_timeline_facts()")
    op.drop_table(TABLE)
