"""Who imports, over which units; deleting an import; GraphQL."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from app.org.models import Role, UnitKind
from tests.factories import World, add_person
from tests.gql.client import GraphQL, codes
from tests.outcomes.helpers import API, bad_rows, post_csv, post_json, stored

NOTHING = {"data_imports": 0, "ex_responses": 0, "ex_aggregates": 0, "cx_outcomes": 0}


async def _hr_of_store_b(session: AsyncSession, world: World) -> str:
    store_b = world.units["store_b"]
    world.people["helmi"] = await add_person(
        session, world.kauppa, "helmi", store_b, [(Role.HR, store_b)]
    )
    await session.commit()
    return "helmi"


async def test_units_must_be_within_the_importers_grants(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    helmi = await _hr_of_store_b(session, world)
    body = "unit,period,measure,value\nStore B,2026-09,nps,10\nStore A,2026-09,nps,20\n"
    assert bad_rows(await post_csv(client, world, helmi, "cx_outcomes", body)) == [
        (3, "unit", "unit_out_of_scope")
    ]
    ok = await post_csv(client, world, helmi, "cx_outcomes", body.rsplit("Store A", 1)[0])
    assert ok.status_code == 201, ok.text
    for who in ("mia", "anna", "rita"):
        refused = await post_csv(client, world, who, "cx_outcomes", body)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_an_importer")
        listed = await client.get(f"{API}/imports", headers=await world.auth(who))
        assert listed.status_code == 403


async def test_another_organisations_unit_is_unknown_and_a_shared_name_needs_the_id(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    twin = await org_service.create_unit(
        session,
        org_id=world.kauppa.id,
        parent_id=world.units["north"].id,
        name="Store A",
        kind=UnitKind.STORE,
    )
    await session.commit()
    rows = [
        {"unit": "store a", "period": "2026-09", "measure": "nps", "value": 1},
        {"unit": str(twin.id), "period": "2026-09", "measure": "nps", "value": 2},
        {"unit": "Branch", "period": "2026-09", "measure": "nps", "value": 3},
        {
            "unit": str(world.units["p_branch"].id),
            "period": "2026-09",
            "measure": "nps",
            "value": 4,
        },
    ]
    response = await post_json(client, world, "hanna", "cx_outcomes", rows)
    assert bad_rows(response) == [
        (1, "unit", "ambiguous_unit"),
        (3, "unit", "unknown_unit"),
        (4, "unit", "unknown_unit"),
    ]
    # Pankki's administrator sees none of Kauppa's units either.
    response = await post_json(client, world, "pekka", "cx_outcomes", rows[1:2])
    assert bad_rows(response) == [(1, "unit", "unknown_unit")]


async def test_deleting_an_import_removes_its_values(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    helmi = await _hr_of_store_b(session, world)
    body = (
        "unit,period,measure,n,mean\n"
        "Store A,2026-09,wellbeing,8,3.5\n"
        "Store B,2026-09,wellbeing,7,4\n"
    )
    imported = (await post_csv(client, world, "hanna", "ex_aggregates", body)).json()
    path = f"{API}/imports/{imported['id']}"
    refused = await client.delete(path, headers=await world.auth(helmi))
    assert (refused.status_code, refused.json()["code"]) == (403, "import_out_of_scope")
    assert (await client.get(path, headers=await world.auth(helmi))).status_code == 200
    assert (await client.delete(path, headers=await world.auth("aaro"))).status_code == 204
    assert await stored(session) == NOTHING
    assert (await client.get(path, headers=await world.auth("hanna"))).status_code == 404
    # The same file may come again.
    again = await post_csv(client, world, "hanna", "ex_aggregates", body)
    assert (again.status_code, again.json()["created"]) == (201, True)


async def test_graphql_imports(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    gql = GraphQL(client, world)
    rows = [
        {"unit": "Store A", "period": "2026-09", "measure": "nps", "value": 42, "n": 300},
        {"unit": "Store B", "period": "2026-09", "measure": "csat", "value": 81.5},
    ]
    data = await gql.data("hanna", "ImportOutcomes", kind="CX_OUTCOMES", rows=rows)
    report = data["importOutcomes"]
    assert (report["rows"], report["units"], report["created"]) == (2, 2, True)
    assert report["periods"] == ["2026-09"]
    again = await gql.data("aaro", "ImportOutcomes", kind="CX_OUTCOMES", rows=rows[::-1])
    assert (again["importOutcomes"]["id"], again["importOutcomes"]["created"]) == (
        report["id"],
        False,
    )
    listed = await gql.data("hanna", "Imports")
    assert [i["id"] for i in listed["imports"]] == [report["id"]]

    scores = [{"unit": "Store A", "period": "2026-09", "scores": {"wellbeing": 7}}]
    result = await gql.run("hanna", "ImportOutcomes", kind="EX_RESPONSES", rows=scores)
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "import_invalid"
    assert [(e["line"], e["column"], e["code"]) for e in error["extensions"]["errors"]] == [
        (1, "wellbeing", "out_of_range")
    ]
    assert codes(await gql.run("mia", "Imports")) == ["not_an_importer"]
    assert codes(await gql.run("pekka", "DeleteImport", id=report["id"])) == ["not_found"]
    deleted = await gql.data("hanna", "DeleteImport", id=report["id"])
    assert deleted == {"deleteImport": True}
    assert await stored(session) == NOTHING
