"""`policies.visible_ids` (the index-friendly form the similar-insight search uses) lets
through exactly what `policies.visible_clause` does, for every person."""

import httpx
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows
from app.org.service import load_principal
from tests.factories import World

API = "/api/v1"


async def test_visible_ids_and_the_visibility_clause_agree(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    posts = [
        ("anna", "named", "team_a1"),
        ("anna", "confidential", "team_a1"),
        ("aku", "named", "store_a"),
        ("ben", "named", "store_b"),
        ("ben", "confidential", "store_b"),
        ("cecilia", "named", "store_c"),
        ("mia", "named", "store_a"),
        ("olli", "named", "p_branch"),
    ]
    for who, visibility, unit in posts:
        response = await client.post(
            f"{API}/insights",
            json={
                "kind": "observation",
                "text": f"{who}: {visibility} havainto.",
                "visibility": visibility,
                "unit_id": str(world.units[unit].id),
            },
            params={"similar": "false"},
            headers=await world.auth(who),
        )
        assert response.status_code == 201, response.text
    ic = rows.ic
    by_clause = select(ic.id).where(
        ic.org_id == bindparam("org_id"),
        policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
    )
    for name, person in world.people.items():
        actor = await load_principal(session, person.subject)
        assert actor is not None
        params = policies.visibility_params(actor)
        expected = set(await session.scalars(by_clause, params))
        found = set(await session.scalars(policies.visible_ids(), params))
        assert found == expected, name
        assert expected, name
