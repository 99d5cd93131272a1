"""Who may manage routing rules, and which rule routes an insight."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.org.models import Role
from app.org.principal import Principal
from app.platform.errors import Forbidden


def require_admin(actor: Principal) -> None:
    """Routing rules belong to the organisation's administrators."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators manage routing rules.", code="not_an_admin")


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule may look at in a new insight."""

    kind: str
    journey_stage: str | None
    tags: Sequence[str]
    customer_impact: int
    # The insight's unit and its ancestors, root first.
    unit_chain: Sequence[uuid.UUID]
    # Its theme, once it has joined one (never at posting: the text is embedded first).
    theme_id: uuid.UUID | None = None


def matched_conditions(rule: Any, facts: Facts) -> dict[str, Any] | None:
    """The conditions of `rule` and the values that met them, or None when one fails.

    `rule` carries the `match_*` fields of a routing rule (a row or a model).
    """
    matched: dict[str, Any] = {}
    if rule.match_kinds:
        if facts.kind not in rule.match_kinds:
            return None
        matched["kind"] = facts.kind
    if rule.match_journey_stages:
        if facts.journey_stage not in rule.match_journey_stages:
            return None
        matched["journey_stage"] = facts.journey_stage
    if rule.match_tags:
        common = [tag for tag in facts.tags if tag in rule.match_tags]
        if not common:
            return None
        matched["tags"] = common
    if rule.match_min_impact is not None:
        if facts.customer_impact < rule.match_min_impact:
            return None
        matched["customer_impact"] = facts.customer_impact
    if rule.match_unit_id is not None:
        if rule.match_unit_id not in facts.unit_chain:
            return None
        matched["unit_subtree"] = str(rule.match_unit_id)
    if rule.match_theme_id is not None:
        if facts.theme_id != rule.match_theme_id:
            return None
        matched["theme"] = str(rule.match_theme_id)
    return matched
