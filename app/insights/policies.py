"""Who may see and do what with an insight. Every read and write goes through these."""

import uuid
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Text, any_, bindparam, or_

from app.auth.principal import Principal
from app.errors import Conflict, Forbidden
from app.insights.models import InsightStatus, Visibility
from app.org.models import Role

# Roles that read every insight in their subtree; only some of them may act on it.
READERS = (Role.MANAGER, Role.HR, Role.ADMIN)
ACTORS = (Role.MANAGER, Role.ADMIN)

OPEN_STATUSES = (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED, InsightStatus.IN_PROGRESS)
CLOSED_STATUSES = (InsightStatus.RESOLVED, InsightStatus.DECLINED)

TRANSITIONS: dict[InsightStatus, frozenset[InsightStatus]] = {
    InsightStatus.NEW: frozenset(
        {
            InsightStatus.ACKNOWLEDGED,
            InsightStatus.IN_PROGRESS,
            InsightStatus.RESOLVED,
            InsightStatus.DECLINED,
        }
    ),
    InsightStatus.ACKNOWLEDGED: frozenset(
        {InsightStatus.IN_PROGRESS, InsightStatus.RESOLVED, InsightStatus.DECLINED}
    ),
    InsightStatus.IN_PROGRESS: frozenset({InsightStatus.RESOLVED, InsightStatus.DECLINED}),
    InsightStatus.RESOLVED: frozenset(),
    InsightStatus.DECLINED: frozenset(),
}


def visible_clause(
    author_id: ColumnElement[uuid.UUID],
    unit_path: ColumnElement[str],
    owner_path: ColumnElement[str],
) -> ColumnElement[bool]:
    """SQL condition for the insights the caller may read: their own, and those in or routed
    to a subtree where they hold a reading role. Bind it with `visibility_params(actor)`; the
    statement's shape does not depend on the caller, so its compiled form is reused."""
    patterns = bindparam("reader_patterns", type_=ARRAY(Text))
    return or_(
        author_id == bindparam("reader_id"),
        unit_path.like(any_(patterns)),
        owner_path.like(any_(patterns)),
    )


def visibility_params(actor: Principal) -> dict[str, Any]:
    # Unit paths are hex digits and "/", so they need no LIKE escaping.
    return {
        "reader_id": actor.person_id,
        "reader_patterns": [prefix + "%" for prefix in actor.paths(*READERS)],
    }


def can_act(actor: Principal, unit_path: str, owner_path: str) -> bool:
    """Managers and admins act on insights of their subtree or routed to it."""
    return actor.covers(unit_path, *ACTORS) or actor.covers(owner_path, *ACTORS)


def require_act(actor: Principal, unit_path: str, owner_path: str) -> None:
    if not can_act(actor, unit_path, owner_path):
        raise Forbidden("Only the insight's managers can do this.", code="not_insight_manager")


def can_comment(actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str) -> bool:
    """The two sides of the thread: the reporter and the managers who can act."""
    return author_id == actor.person_id or can_act(actor, unit_path, owner_path)


def shows_reporter(actor: Principal, author_id: uuid.UUID, visibility: Visibility) -> bool:
    """A confidential reporter is named to nobody but themselves."""
    return visibility is Visibility.NAMED or author_id == actor.person_id


def require_transition(current: InsightStatus, target: InsightStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"An insight that is {current.value} cannot become {target.value}.",
            code="invalid_status_transition",
            extra={"current_status": current.value, "target_status": target.value},
        )
