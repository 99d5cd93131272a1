"""What the organisation holds about one person, for their data export
(`app.privacy.service.export_person`): who they are and the roles they hold."""

import uuid
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Person, RoleGrant, Unit
from app.platform.db import table

_people = table(Person)
_grants = table(RoleGrant)
_units = table(Unit)


async def person_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID
) -> dict[str, Any] | None:
    """The person's record with the name of their home unit; None outside the organisation."""
    p, u = _people.c, _units.c
    row = (
        (
            await session.execute(
                select(
                    p.id,
                    p.email,
                    p.display_name,
                    p.locale,
                    p.active,
                    p.created_at,
                    p.erased_at,
                    p.subject,
                    u.name.label("home_unit"),
                )
                .join_from(_people, _units, and_(u.org_id == p.org_id, u.id == p.home_unit_id))
                .where(p.org_id == org_id, p.id == person_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    return None if row is None else dict(row)


async def roles_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The roles the person holds and over which unit, oldest grant first."""
    g, u = _grants.c, _units.c
    rows = await session.execute(
        select(g.role, u.name.label("unit"), g.created_at)
        .join_from(_grants, _units, and_(u.org_id == g.org_id, u.id == g.unit_id))
        .where(g.org_id == org_id, g.person_id == person_id)
        .order_by(g.created_at)
    )
    return [dict(row) for row in rows.mappings()]
