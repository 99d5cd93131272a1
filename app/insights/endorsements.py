"""Backing a colleague's insight ("me too"), and who backed what."""

import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows, timeline
from app.insights.models import Endorsement, EventType
from app.insights.rows import InsightRef
from app.insights.schemas import EndorsementCreate, EndorsementOut, EndorsingUnit, InsightOut
from app.org import service as org_service
from app.org.models import Person, Unit
from app.org.principal import Principal
from app.org.schemas import PersonRef, UnitRef
from app.platform import clock
from app.platform.db import table
from app.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)

endorsement_table = table(Endorsement)

ec = endorsement_table.c


async def endorse(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: EndorsementCreate
) -> tuple[EndorsementOut, bool]:
    """Back a colleague's insight ("I see this too") from a unit, the home unit by default.

    One per person and insight: backing again returns the first endorsement and False.
    Raises 403 `own_insight` for the reporter and 409 `insight_merged` for a merged one.
    """
    row = await rows.lock_visible(session, actor, insight_id)
    policies.require_endorse(actor, row.author_id, row.status)
    existing = (
        await session.execute(
            _ENDORSEMENTS.where(ec.insight_id == row.id, ec.person_id == actor.person_id),
            {"org_id": actor.org_id},
        )
    ).first()
    if existing is not None:
        return _endorsement_out(actor, row, existing), False
    unit_id = data.unit_id or actor.home_unit_id
    unit_name = (await org_service.unit_names(session, actor.org_id, [unit_id])).get(unit_id)
    if unit_name is None:
        raise InvalidInput("The unit does not exist.", code="unknown_unit")
    endorsement_id = data.id or uuid.uuid4()
    now = clock.now()
    inserted = await session.scalar(
        insert(endorsement_table)
        .values(
            org_id=actor.org_id,
            id=endorsement_id,
            insight_id=row.id,
            person_id=actor.person_id,
            unit_id=unit_id,
            note=data.note,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(ec.id)
    )
    if inserted is None:
        raise Conflict("The endorsement id is in use.", code="endorsement_id_conflict")
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id == row.id)
        .values(endorsement_count=rows.ic.endorsement_count + 1)
    )
    # No actor: the reporter follows the timeline, and endorsers are named to managers only.
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.ENDORSED,
        actor_id=None,
        data={"endorsement_id": str(endorsement_id), "unit_id": str(unit_id)},
    )
    stored = SimpleNamespace(
        id=endorsement_id,
        insight_id=row.id,
        person_id=actor.person_id,
        unit_id=unit_id,
        unit_name=unit_name,
        endorser_name=actor.display_name,
        note=data.note,
        created_at=now,
    )
    return _endorsement_out(actor, row, stored), True


EndorserA = table(Person).alias("endorser")

EndorsingUnitA = table(Unit).alias("endorsing_unit")

_ENDORSEMENTS: Select[Any] = (
    select(
        ec.id,
        ec.insight_id,
        ec.person_id,
        ec.unit_id,
        EndorsingUnitA.c.name.label("unit_name"),
        EndorserA.c.display_name.label("endorser_name"),
        ec.note,
        ec.created_at,
    )
    .join(EndorserA, and_(EndorserA.c.org_id == ec.org_id, EndorserA.c.id == ec.person_id))
    .join(
        EndorsingUnitA,
        and_(EndorsingUnitA.c.org_id == ec.org_id, EndorsingUnitA.c.id == ec.unit_id),
    )
    .where(ec.org_id == bindparam("org_id"))
)


def _endorsement_out(
    actor: Principal, row: InsightRef, e: Row[Any] | SimpleNamespace
) -> EndorsementOut:
    mine = e.person_id == actor.person_id
    named = mine or policies.sees_endorsers(actor, row.unit_path, row.owner_path)
    return EndorsementOut(
        id=e.id,
        insight_id=e.insight_id,
        unit=UnitRef(id=e.unit_id, name=e.unit_name),
        note=e.note,
        endorser=PersonRef(id=e.person_id, display_name=e.endorser_name) if named else None,
        is_mine=mine,
        created_at=e.created_at,
    )


async def endorsements_of(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> rows.Each[list[EndorsementOut]]:
    """Who backed each of `insight_ids`, oldest first, in two statements; 404 for each out
    of sight. Endorsers are named to the insight's managers only."""
    visible = await rows.visible_refs(session, actor, insight_ids)
    found: rows.Each[list[EndorsementOut]] = {
        i: [] if i in visible else NotFound("No such insight.") for i in insight_ids
    }
    if not visible:
        return found
    backings = await session.execute(
        _ENDORSEMENTS.where(ec.insight_id.in_(list(visible))).order_by(ec.created_at, ec.id),
        {"org_id": actor.org_id},
    )
    for e in backings:
        cast(list[EndorsementOut], found[e.insight_id]).append(
            _endorsement_out(actor, visible[e.insight_id], e)
        )
    return found


async def list_endorsements(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[EndorsementOut]:
    """Who backed the insight, oldest first; the endorsers are named to its managers only."""
    return rows.one(await endorsements_of(session, actor, [insight_id]), insight_id)


async def add_endorsing_units(
    session: AsyncSession, org_id: uuid.UUID, items: Sequence[InsightOut]
) -> None:
    # Only insights someone backed cost a query, and a page of them costs one.
    backed = {i.id: i for i in items if i.endorsement_count}
    if not backed:
        return
    units = table(Unit)
    rows = await session.execute(
        select(ec.insight_id, ec.unit_id, units.c.name, func.count().label("n"))
        .join(units, and_(units.c.org_id == ec.org_id, units.c.id == ec.unit_id))
        .where(ec.org_id == org_id, ec.insight_id.in_(list(backed)))
        .group_by(ec.insight_id, ec.unit_id, units.c.name)
        .order_by(func.count().desc(), units.c.name)
    )
    for row in rows:
        backed[row.insight_id].endorsing_units.append(
            EndorsingUnit(unit=UnitRef(id=row.unit_id, name=row.name), count=row.n)
        )
