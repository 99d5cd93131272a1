"""Which units a person may post for: their own store's subtree (their home unit's, when homed
above every store) and the subtrees where they hold a role; another store's units are out of
reach, over REST, GraphQL and the offline sync batch alike."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Role
from tests.factories import World, add_person
from tests.gql.client import GraphQL, codes, gid

API = "/api/v1"

# (who, unit): posts that must be refused, each into a unit of another store or region.
OUT_OF_REACH = [
    ("anna", "store_b"),  # a team member, into the sibling store
    ("aku", "store_b"),
    ("ben", "team_a1"),  # the sibling store's team
    ("mia", "store_b"),  # a store manager, into the sibling store
    ("mia", "south"),  # nor above her store
    ("cecilia", "store_a"),  # another region's store
    ("nils", "team_a1"),  # a region's manager, into another region
    ("lotta", "store_b"),  # her grant covers store C, her home store A: not B
]
# (who, unit): posts that must be accepted.
IN_REACH = [
    ("anna", "team_a1"),  # own team
    ("anna", "store_a"),  # own store, above her team
    ("aku", "team_a1"),  # a team of her own store
    ("mia", "team_a1"),
    ("rita", "store_b"),  # homed above every store: her home unit's subtree
    ("rita", "team_a1"),
    ("nils", "store_c"),
    ("hanna", "store_c"),  # an HR grant at the root
    ("lotta", "store_c"),  # a manager's granted subtree beyond her home store
    ("lotta", "store_a"),
]


@pytest.fixture
async def reach_world(world: World, session: AsyncSession) -> World:
    """The world, plus Lotta: homed in team A1, managing store C of the other region."""
    kauppa = world.kauppa
    lotta = await add_person(
        session,
        kauppa,
        "lotta",
        kauppa.units["team_a1"],
        [(Role.FRONTLINE, kauppa.units["team_a1"]), (Role.MANAGER, kauppa.units["store_c"])],
    )
    await session.commit()
    world.people["lotta"] = lotta
    return world


def _body(world: World, unit: str) -> dict[str, Any]:
    return {
        "kind": "observation",
        "text": "Asiakas kysyi, miksi hyllyt ovat tyhjiä.",
        "unit_id": str(world.units[unit].id),
    }


async def test_rest_posts_only_within_reach(client: httpx.AsyncClient, reach_world: World) -> None:
    world = reach_world
    for who, unit in OUT_OF_REACH:
        response = await client.post(
            f"{API}/insights", json=_body(world, unit), headers=await world.auth(who)
        )
        assert response.status_code == 403, (who, unit, response.text)
        assert response.json()["code"] == "unit_out_of_reach", (who, unit)
    for who, unit in IN_REACH:
        response = await client.post(
            f"{API}/insights", json=_body(world, unit), headers=await world.auth(who)
        )
        assert response.status_code == 201, (who, unit, response.text)
        assert response.json()["unit"]["id"] == str(world.units[unit].id)
    # Refused posts left nothing behind.
    ben = await client.get(f"{API}/me/insights", headers=await world.auth("ben"))
    assert ben.json()["items"] == []


async def test_a_refusal_speaks_the_callers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await client.post(
        f"{API}/insights", json=_body(world, "store_a"), headers=await world.auth("ben")
    )
    anna = await client.post(
        f"{API}/insights", json=_body(world, "store_b"), headers=await world.auth("anna")
    )
    assert refused.json()["detail"].startswith("You can post only")
    assert anna.json()["detail"].startswith("Havainnon voi kirjata vain")


async def test_graphql_posts_only_within_reach(
    client: httpx.AsyncClient, reach_world: World
) -> None:
    gql = GraphQL(client, reach_world)
    for who, unit in OUT_OF_REACH:
        result = await gql.run(
            who,
            "PostInsight",
            input={
                "kind": "OBSERVATION",
                "text": "Hyllyt ovat tyhjiä.",
                "unitId": gid("Unit", reach_world.units[unit].id),
            },
        )
        assert codes(result) == ["unit_out_of_reach"], (who, unit, result)
    for who, unit in IN_REACH:
        data = await gql.data(
            who,
            "PostInsight",
            input={
                "kind": "OBSERVATION",
                "text": "Hyllyt ovat tyhjiä.",
                "unitId": gid("Unit", reach_world.units[unit].id),
            },
        )
        posted = data["postInsight"]["insight"]
        assert posted["unit"]["id"] == gid("Unit", reach_world.units[unit].id), (who, unit)


async def test_sync_batch_refuses_the_items_out_of_reach_and_keeps_the_rest(
    client: httpx.AsyncClient, reach_world: World
) -> None:
    world = reach_world
    for who in ("anna", "mia", "lotta"):
        units = [u for w, u in OUT_OF_REACH if w == who] + [u for w, u in IN_REACH if w == who]
        items = [{"type": "insight", "id": str(uuid.uuid4()), **_body(world, u)} for u in units]
        response = await client.post(
            f"{API}/sync/batch", json={"items": items}, headers=await world.auth(who)
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        refused = sum(1 for w, _ in OUT_OF_REACH if w == who)
        assert [r["outcome"] for r in results] == ["error"] * refused + ["created"] * (
            len(units) - refused
        ), (who, results)
        for result in results[:refused]:
            assert (result["error"]["status"], result["error"]["code"]) == (
                403,
                "unit_out_of_reach",
            )
