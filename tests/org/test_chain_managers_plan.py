"""The nearest managers of a unit are read by primary key, whatever the tree's size."""

import uuid

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from app.org.models import Unit, UnitKind
from tests.factories import World

STORES = 2000


async def test_the_chain_is_looked_up_by_key_in_a_large_tree(
    session: AsyncSession, world: World
) -> None:
    org = world.kauppa
    region = world.units["south"]
    rows = []
    for _ in range(STORES):
        unit_id = uuid.uuid4()
        rows.append(
            {
                "org_id": org.id,
                "id": unit_id,
                "parent_id": region.id,
                "name": f"Store {unit_id.hex[:6]}",
                "kind": UnitKind.STORE,
                "path": f"{region.path}{unit_id.hex}/",
                "depth": region.depth + 1,
            }
        )
    await session.execute(insert(Unit), rows)
    await session.execute(text("ANALYZE units"))
    target = rows[-1]["id"]
    owners = await org_service.nearest_managers(session, org.id, target)
    assert owners.unit_id == world.units["south"].id
    connection = await session.connection()
    compiled = org_service._CHAIN_MANAGERS.compile(dialect=connection.dialect)
    values = compiled.construct_params({"org_id": org.id, "unit_id": target})
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    found = await driver.fetch(
        f"EXPLAIN {compiled}", *(values[name] for name in compiled.positiontup or [])
    )
    plan = "\n".join(row[0] for row in found)
    assert "Seq Scan on units" not in plan, plan
    assert "Index Scan using pk_units" in plan, plan
