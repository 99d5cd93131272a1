"""Retention: once a closed insight is older than its organisation's retention period, its
free text goes – the insight's text and resolution, comments, answers, notification
excerpts, event notes, attachments and the customer's contact. The row stays with its
kind, unit, stage, status and times, so counts, trends and listening metrics do not move.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform.db import transaction

log = logging.getLogger(__name__)

BATCH = 200
REDACTED = "—"
# Free-text members of timeline events and notifications.
TEXT_KEYS = [
    "reason",
    "message",
    "resolution",
    "note",
    "body",
    "text",
    "excerpt",
    "name",
    "address",
]

_DUE = text(
    """
    SELECT i.org_id, i.id FROM insights i
    JOIN organisations o ON o.id = i.org_id
    WHERE o.retention_days IS NOT NULL AND i.redacted_at IS NULL
      AND i.closed_at IS NOT NULL
      AND i.closed_at < CAST(:now AS timestamptz) - make_interval(days => o.retention_days)
    ORDER BY i.closed_at
    LIMIT :limit
    FOR UPDATE OF i SKIP LOCKED
    """
)

_REDACT = [
    """UPDATE insights SET text = :redacted, resolution = NULL, tags = '{}', redacted_at = :now
       WHERE (org_id, id) IN (SELECT * FROM due)""",
    """UPDATE comments SET body = :redacted WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
    """UPDATE loop_communications SET message = :redacted
       WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
    """UPDATE notifications SET data = data - CAST(:text_keys AS text[])
       WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
    """UPDATE insight_events SET data = data - CAST(:text_keys AS text[])
       WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
    """UPDATE customer_contacts SET name = NULL, address = NULL, consent_text = NULL,
              erased_at = coalesce(erased_at, :now)
       WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
    """UPDATE endorsements SET note = NULL WHERE (org_id, insight_id) IN (SELECT * FROM due)""",
]

_ATTACHMENTS = """
    DELETE FROM attachments WHERE (org_id, insight_id) IN (SELECT * FROM due)
    RETURNING storage_key, thumbnail_key"""


@dataclass
class Swept:
    insights: int = 0
    attachment_keys: list[str] = field(default_factory=list)


async def redact_batch(session: AsyncSession, now: datetime, limit: int = BATCH) -> Swept:
    """Redact up to `limit` insights past their retention, in the caller's transaction."""
    due = (await session.execute(_DUE, {"now": now, "limit": limit})).all()
    if not due:
        return Swept()
    await session.execute(text("CREATE TEMPORARY TABLE due (org_id uuid, id uuid) ON COMMIT DROP"))
    await session.execute(
        text("INSERT INTO due SELECT * FROM unnest(CAST(:orgs AS uuid[]), CAST(:ids AS uuid[]))"),
        {"orgs": [row.org_id for row in due], "ids": [row.id for row in due]},
    )
    for statement in _REDACT:
        params = {"now": now, "redacted": REDACTED, "text_keys": TEXT_KEYS}
        # Each statement binds only the parameters it names.
        await session.execute(
            text(statement), {k: v for k, v in params.items() if f":{k}" in statement}
        )
    removed = (await session.execute(text(_ATTACHMENTS))).all()
    return Swept(len(due), [key for pair in removed for key in pair if key])


async def sweep(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, limit: int = BATCH
) -> Swept:
    """Redact everything past its retention, a batch per transaction, logging progress."""
    total = Swept()
    while True:
        async with transaction(sessions) as session:
            swept = await redact_batch(session, now, limit)
        total.insights += swept.insights
        total.attachment_keys += swept.attachment_keys
        if swept.insights:
            log.info("retention: %d insights redacted so far", total.insights)
        if swept.insights < limit:
            return total
