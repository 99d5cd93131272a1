"""Reassignment by hand and bulk triage over REST."""

import uuid
from typing import Any

import httpx

from tests.factories import World
from tests.insights.test_api import post_insight

API = "/api/v1"


async def _bulk(client: httpx.AsyncClient, world: World, who: str, **body: Any) -> httpx.Response:
    return await client.post(f"{API}/insights/bulk", json=body, headers=await world.auth(who))


async def test_manager_reassigns_to_another_unit(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    mia = await world.auth("mia")
    south = str(world.units["south"].id)
    response = await client.post(
        f"{API}/insights/{iid}/assign",
        json={"unit_id": south, "note": "Koskee koko aluetta."},
        headers=mia,
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["owner_unit"]["id"] == south
    assert moved["version"] == 2 and response.headers["ETag"] == '"2"'

    assert "insight_assigned" in [
        n["kind"]
        for n in (
            await client.get(f"{API}/notifications", headers=await world.auth("rita"))
        ).json()["items"]
    ]
    timeline = (await client.get(f"{API}/insights/{iid}/timeline", headers=mia)).json()
    assert timeline[-1]["type"] == "reassigned"
    assert timeline[-1]["actor"]["display_name"] == "Mia"
    assert timeline[-1]["data"]["note"] == "Koskee koko aluetta."
    assert timeline[-1]["data"]["to_unit_id"] == south

    # A unit without managers hands it to the nearest unit above that has some.
    store_c = str(world.units["store_c"].id)
    rita = await world.auth("rita")
    north = await client.post(
        f"{API}/insights/{iid}/assign", json={"unit_id": store_c}, headers=rita
    )
    assert north.status_code == 200, north.text
    assert north.json()["owner_unit"]["id"] == str(world.units["north"].id)


async def test_assign_refusals(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    cases = [
        ("anna", {"unit_id": str(world.units["south"].id)}, 403, "not_insight_manager"),
        ("hanna", {"unit_id": str(world.units["south"].id)}, 403, "not_insight_manager"),
        ("mia", {"unit_id": str(world.units["p_branch"].id)}, 422, "unknown_unit"),
        ("mia", {"unit_id": str(uuid.uuid4())}, 422, "unknown_unit"),
        ("max", {"unit_id": str(world.units["south"].id)}, 404, "not_found"),
    ]
    for who, body, status, code in cases:
        response = await client.post(
            f"{API}/insights/{iid}/assign", json=body, headers=await world.auth(who)
        )
        assert (response.status_code, response.json()["code"]) == (status, code), who
    mia = await world.auth("mia")
    await client.post(f"{API}/insights/{iid}/decline", json={"reason": "Ei."}, headers=mia)
    closed = await client.post(
        f"{API}/insights/{iid}/assign", json={"unit_id": str(world.units["south"].id)}, headers=mia
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "invalid_status_transition")


async def test_bulk_acknowledge_with_partial_failures(
    client: httpx.AsyncClient, world: World
) -> None:
    ids = [
        (await post_insight(client, world, "anna", text=f"Havainto {n}."))["id"] for n in range(3)
    ]
    others = (await post_insight(client, world, "ben", text="Toisen myymälän asia."))["id"]
    mia = await world.auth("mia")
    await client.post(f"{API}/insights/{ids[1]}/acknowledge", headers=mia)
    missing = str(uuid.uuid4())

    response = await _bulk(
        client, world, "mia", operation="acknowledge", insight_ids=[*ids, others, missing]
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["succeeded"], result["failed"]) == (2, 3)
    outcome = [
        (r["insight_id"], r["ok"], r["status"], r["error"] and r["error"]["code"])
        for r in result["results"]
    ]
    assert outcome == [
        (ids[0], True, "acknowledged", None),
        (ids[1], False, None, "invalid_status_transition"),
        (ids[2], True, "acknowledged", None),
        (others, False, None, "not_found"),
        (missing, False, None, "not_found"),
    ]
    statuses = [
        (await client.get(f"{API}/insights/{i}", headers=mia)).json()["status"] for i in ids
    ]
    assert statuses == ["acknowledged"] * 3
    feed = (await client.get(f"{API}/notifications", headers=await world.auth("anna"))).json()
    assert [n["kind"] for n in feed["items"]].count("insight_acknowledged") == 3


async def test_bulk_decline_and_assign(client: httpx.AsyncClient, world: World) -> None:
    ids = [(await post_insight(client, world, "anna", text=f"Idea {n}."))["id"] for n in range(2)]
    south = str(world.units["south"].id)

    assigned = await _bulk(
        client, world, "mia", operation="assign", insight_ids=ids, unit_id=south, reason="Alueelle."
    )
    assert assigned.status_code == 200, assigned.text
    assert [(r["ok"], r["owner_unit"]["id"]) for r in assigned.json()["results"]] == [
        (True, south),
        (True, south),
    ]
    # Another store's manager cannot find them; the region's manager, who owns them now, can.
    declined = await _bulk(
        client, world, "max", operation="decline", insight_ids=ids, reason="Ei nyt."
    )
    assert [r["error"]["code"] for r in declined.json()["results"]] == ["not_found", "not_found"]
    declined = await _bulk(
        client, world, "rita", operation="decline", insight_ids=ids, reason="Ei nyt."
    )
    assert [r["status"] for r in declined.json()["results"]] == ["declined", "declined"]

    for body in (
        {"operation": "assign", "insight_ids": ids},
        {"operation": "decline", "insight_ids": ids},
        {"operation": "acknowledge", "insight_ids": []},
        {"operation": "acknowledge", "insight_ids": [str(uuid.uuid4()) for _ in range(101)]},
    ):
        refused = await client.post(
            f"{API}/insights/bulk", json=body, headers=await world.auth("rita")
        )
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "validation_error"


async def test_reassigning_a_stale_copy_meets_412(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    mia = await world.auth("mia")
    south = str(world.units["south"].id)
    # Someone acknowledged it after Mia read version 1.
    ack = await client.post(f"{API}/insights/{iid}/acknowledge", headers=mia)
    assert ack.status_code == 200
    stale = await client.post(
        f"{API}/insights/{iid}/assign", json={"unit_id": south}, headers={**mia, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"
    current = await client.post(
        f"{API}/insights/{iid}/assign",
        json={"unit_id": south},
        headers={**mia, "If-Match": ack.headers["ETag"]},
    )
    assert current.status_code == 200, current.text
