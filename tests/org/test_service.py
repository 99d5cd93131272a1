"""The owners of a unit: the nearest unit at or above it with active managers."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service
from app.org.models import Role, UnitKind
from app.platform.errors import Conflict, NotFound
from tests.factories import World


async def test_route_picks_nearest_unit_with_managers(session: AsyncSession, world: World) -> None:
    org = world.kauppa
    team = await service.nearest_managers(session, org.id, world.units["team_a1"].id)
    assert team.unit_id == world.units["store_a"].id
    assert team.manager_ids == [world.people["mia"].id]
    assert team.unit_name == world.units["store_a"].name

    store_c = await service.nearest_managers(session, org.id, world.units["store_c"].id)
    assert store_c.unit_id == world.units["north"].id
    assert store_c.manager_ids == [world.people["nils"].id]


async def test_inactive_managers_are_skipped(session: AsyncSession, world: World) -> None:
    world.people["mia"].active = False
    await session.flush()
    route = await service.nearest_managers(session, world.kauppa.id, world.units["team_a1"].id)
    assert route.unit_id == world.units["south"].id
    assert route.manager_ids == [world.people["rita"].id]


async def test_organisation_without_managers_routes_to_root(session: AsyncSession) -> None:
    org, root = await service.create_organisation(session, name="Pieni Oy", slug="pieni-oy")
    shop = await service.create_unit(
        session, org_id=org.id, parent_id=root.id, name="Kioski", kind=UnitKind.STORE
    )
    route = await service.nearest_managers(session, org.id, shop.id)
    assert (route.unit_id, route.manager_ids) == (root.id, [])


async def test_unit_of_another_organisation_is_not_found(
    session: AsyncSession, world: World
) -> None:
    with pytest.raises(NotFound):
        await service.nearest_managers(session, world.kauppa.id, world.units["p_branch"].id)


async def test_principal_carries_grants_with_paths(session: AsyncSession, world: World) -> None:
    rita = await service.load_principal(session, world.people["rita"].subject)
    assert rita is not None
    assert rita.org_id == world.kauppa.id
    assert [(g.role, g.unit_id) for g in rita.grants] == [(Role.MANAGER, world.units["south"].id)]
    assert rita.covers(world.units["team_a1"].path, Role.MANAGER)
    assert not rita.covers(world.units["store_c"].path, Role.MANAGER)
    assert await service.load_principal(session, "nobody") is None


async def test_slug_is_unique(session: AsyncSession) -> None:
    await service.create_organisation(session, name="A", slug="same-slug")
    with pytest.raises(Conflict):
        await service.create_organisation(session, name="B", slug="same-slug")
