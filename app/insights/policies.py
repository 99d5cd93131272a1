"""Who may see and do what with an insight. Every read and write goes through these."""

import uuid

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.auth.principal import Principal
from app.errors import Conflict, Forbidden
from app.insights.models import Insight, InsightStatus, Visibility
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
    actor: Principal,
    unit_path: InstrumentedAttribute[str],
    owner_path: InstrumentedAttribute[str],
) -> ColumnElement[bool]:
    """SQL condition for the insights `actor` may read: their own, and those in or routed to
    a subtree where they hold a reading role."""
    prefixes = actor.paths(*READERS)
    conditions: list[ColumnElement[bool]] = [Insight.author_id == actor.person_id]
    for prefix in prefixes:
        conditions.append(unit_path.startswith(prefix, autoescape=True))
        conditions.append(owner_path.startswith(prefix, autoescape=True))
    return or_(*conditions) if conditions else false()


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
