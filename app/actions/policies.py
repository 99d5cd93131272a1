"""Who may do what with an action."""

from app.actions.models import Action, ActionStatus
from app.insights.policies import ACTORS
from app.org.principal import Principal
from app.platform.errors import Conflict, Forbidden

ALLOWED: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.PLANNED: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED}
    ),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.DONE, ActionStatus.CANCELLED}),
    ActionStatus.DONE: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}


def require_manager(actor: Principal) -> None:
    if not actor.has_role(*ACTORS):
        raise Forbidden("Only managers record actions.", code="not_a_manager")


def can_edit(actor: Principal, action: Action, linked_actable: bool) -> bool:
    """The owner, the creator, or a manager of one of the linked insights."""
    return actor.person_id in (action.owner_id, action.created_by) or linked_actable


def require_edit(actor: Principal, action: Action, linked_actable: bool) -> None:
    if not can_edit(actor, action, linked_actable):
        raise Forbidden(
            "Only the action's owner or managers can change it.", code="not_action_owner"
        )


def require_status_change(current: ActionStatus, target: ActionStatus) -> None:
    if target != current and target not in ALLOWED[current]:
        raise Conflict(
            f"An action that is {current.value} cannot become {target.value}.",
            code="invalid_action_transition",
        )


def can_see(actor: Principal, action: Action, sees_a_linked_insight: bool) -> bool:
    """Its owner and creator, and anyone who may read one of its insights."""
    return sees_a_linked_insight or actor.person_id in (action.owner_id, action.created_by)
