"""Routing rules that name a theme: checked when an insight joins that theme.

An insight's theme is known only once its text is embedded, seconds after it was posted
and routed. If a rule naming the theme matches it then, and it is still new and
unacknowledged, it is routed again by that rule (`insights.service.route_again`); one
already acknowledged stays with the managers who took it up.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import rows
from app.insights import service as insight_service
from app.insights.models import InsightStatus
from app.platform.db import table
from app.routing import service as routing_service
from app.routing.models import RoutingRule

_rules = table(RoutingRule)

_THEMES_WITH_RULES = select(_rules.c.org_id, _rules.c.match_theme_id).where(
    _rules.c.org_id.in_(bindparam("org_ids", expanding=True)),
    _rules.c.active,
    _rules.c.match_theme_id.is_not(None),
)
_FACTS = select(
    rows.ic.org_id,
    rows.ic.id,
    rows.ic.unit_id,
    rows.ic.kind,
    rows.ic.journey_stage,
    rows.ic.tags,
    rows.ic.customer_impact,
).where(
    tuple_(rows.ic.org_id, rows.ic.id).in_(bindparam("keys", expanding=True)),
    rows.ic.status == InsightStatus.NEW,
    rows.ic.acknowledged_at.is_(None),
)

Placed = tuple[uuid.UUID, uuid.UUID, uuid.UUID]  # organisation, insight, theme


async def route_by_theme(session: AsyncSession, placed: Sequence[Placed]) -> list[uuid.UUID]:
    """Route again the newly placed insights that a rule naming their theme now matches;
    returns those that moved. One statement when no rule names a theme."""
    if not placed:
        return []
    named = {
        (r.org_id, r.match_theme_id)
        for r in await session.execute(
            _THEMES_WITH_RULES, {"org_ids": sorted({org for org, _, _ in placed}, key=str)}
        )
    }
    candidates = {(org, insight): theme for org, insight, theme in placed if (org, theme) in named}
    if not candidates:
        return []
    moved = []
    for r in await session.execute(_FACTS, {"keys": list(candidates)}):
        theme_id = candidates[(r.org_id, r.id)]
        route = await routing_service.route_insight(
            session,
            r.org_id,
            r.unit_id,
            kind=r.kind.value,
            journey_stage=r.journey_stage,
            tags=r.tags,
            customer_impact=r.customer_impact,
            theme_id=theme_id,
        )
        if "theme" in route.reason["matched"] and await insight_service.route_again(
            session, r.org_id, r.id, route
        ):
            moved.append(r.id)
    return moved
