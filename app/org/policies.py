"""Who answers for a unit."""

from sqlalchemy import ColumnElement

from app.org.models import Role


def answers_for_unit(role: ColumnElement[Role]) -> ColumnElement[bool]:
    """SQL for the grants that make someone answer for a unit's insights: its managers own
    what is routed there and are whom escalation climbs to. HR and administrators read
    across the tree but own nothing."""
    return role == Role.MANAGER
