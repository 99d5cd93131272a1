"""The retention sweep, run daily by the task queue's workers."""

import logging

import procrastinate

from app.attachments.service import remove_stored
from app.attachments.storage import AttachmentStore
from app.platform import clock
from app.platform.queue import SESSIONS
from app.privacy import retention

log = logging.getLogger(__name__)

# The worker's context holds where attachment bytes live, to delete the redacted ones.
ATTACHMENTS = "attachment_store"


async def apply_retention(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Redact every closed insight past its organisation's retention period."""
    sessions = context.additional_context[SESSIONS]
    store: AttachmentStore | None = context.additional_context.get(ATTACHMENTS)
    swept = await retention.sweep(sessions, clock.now())
    if swept.attachment_keys:
        if store is None:
            log.warning(
                "retention: %d attachment files left in storage", len(swept.attachment_keys)
            )
        else:
            await remove_stored(store, swept.attachment_keys)
    return swept.insights
