"""Who may attach files to an insight's thread, and who may remove them."""

import uuid

from app.insights import policies as insights_policies
from app.insights.models import InsightStatus
from app.org.principal import Principal
from app.platform.errors import Conflict, Forbidden


def require_attach(actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str) -> None:
    """Whoever may comment on the insight may attach to it: the two sides of its thread."""
    if not insights_policies.can_comment(actor, author_id, unit_path, owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers can attach files.",
            code="not_in_thread",
        )


def require_attach_to_comment(actor: Principal, comment_author_id: uuid.UUID) -> None:
    """To a comment, only its author."""
    if comment_author_id != actor.person_id:
        raise Forbidden("Only the comment's author can attach to it.", code="not_comment_author")


def require_remove(actor: Principal, uploader_id: uuid.UUID, status: InsightStatus) -> None:
    """Its uploader, while the insight is open: a closed insight keeps its record."""
    if uploader_id != actor.person_id:
        raise Forbidden("Only the uploader can remove an attachment.", code="not_uploader")
    if status not in insights_policies.OPEN_STATUSES:
        raise Conflict("Attachments stay once the insight is closed.", code="insight_closed")
