"""Who may read listening metrics, and over which part of the tree."""

import uuid

from app.insights.policies import READERS
from app.org.principal import Principal
from app.platform.errors import Forbidden, InvalidInput, NotFound

# Metrics read what the insight inbox reads: the roles that see every insight of a subtree.
# HR sees the per-manager breakdown too: it already reads who acted on every insight's
# timeline there, and scorecards are part of its job; hiding it would protect nothing.


def require_reader(actor: Principal) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden(
            "Listening metrics are for managers, HR and administrators.", code="not_a_reader"
        )


def require_scope(actor: Principal, unit_path: str) -> None:
    """A unit outside the caller's reading subtrees is as missing as one that does not exist."""
    if not actor.covers(unit_path, *READERS):
        raise NotFound("No such unit.")


def default_unit_id(actor: Principal) -> uuid.UUID:
    """The top of the caller's reading scope: the one grant whose subtree holds all the others.
    Someone reading several separate subtrees must choose one."""
    grants = [g for g in actor.grants if g.role in READERS]
    top = min(grants, key=lambda g: len(g.unit_path))
    if all(g.unit_path.startswith(top.unit_path) for g in grants):
        return top.unit_id
    raise InvalidInput(
        "You read more than one part of the organisation: choose a unit.", code="unit_required"
    )
