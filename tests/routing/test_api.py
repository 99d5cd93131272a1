"""Routing rules over REST: administrators manage them; posting applies the first match."""

from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.org.models import Role, UnitKind
from tests.factories import World, add_person, add_unit

API = "/api/v1/routing-rules"


async def _rules(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    response = await client.get(API, headers=await world.auth("aaro"))
    assert response.status_code == 200, response.text
    rules: list[dict[str, Any]] = response.json()
    return rules


async def _create(client: httpx.AsyncClient, world: World, **body: Any) -> dict[str, Any]:
    body = {"ack_hours": 4, "respond_hours": 24, **body}
    response = await client.post(API, json=body, headers=await world.auth("aaro"))
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


async def _post(
    client: httpx.AsyncClient, world: World, who: str = "anna", **fields: Any
) -> dict[str, Any]:
    body = {"kind": "observation", "text": "Lastauslaituri on tukossa aamuisin.", **fields}
    response = await client.post("/api/v1/insights", json=body, headers=await world.auth(who))
    assert response.status_code == 201, response.text
    insight: dict[str, Any] = response.json()
    return insight


async def _routed(client: httpx.AsyncClient, world: World, insight_id: str) -> dict[str, Any]:
    timeline = await client.get(
        f"/api/v1/insights/{insight_id}/timeline", headers=await world.auth("aaro")
    )
    routed = [e for e in timeline.json() if e["type"] == "routed"]
    assert len(routed) == 1
    data: dict[str, Any] = routed[0]["data"]
    return data


async def test_every_organisation_starts_with_the_default_rule(
    client: httpx.AsyncClient, world: World
) -> None:
    [rule] = await _rules(client, world)
    assert rule["name"] == "Default: managers of the nearest unit with managers"
    assert (rule["position"], rule["active"], rule["target"]) == (
        0,
        True,
        {"levels_up": 0, "unit": None},
    )
    assert (rule["ack_minutes"], rule["respond_minutes"]) == (48 * 60, 168 * 60)
    assert (rule["ack_hours"], rule["respond_hours"]) == (48, 168)

    insight = await _post(client, world)
    assert insight["owner_unit"]["id"] == str(world.units["store_a"].id)
    routed = await _routed(client, world, insight["id"])
    assert routed["rule_id"] == rule["id"]
    assert routed["rule"] == rule["name"]
    assert routed["reason"] == {"matched": {}, "target": {"levels_up": 0}}


async def test_only_administrators_manage_rules(client: httpx.AsyncClient, world: World) -> None:
    [rule] = await _rules(client, world)
    for who in ("mia", "hanna", "anna"):
        headers = await world.auth(who)
        for method, path, body in (
            ("GET", API, None),
            ("POST", API, {"name": "x", "ack_hours": 1, "respond_hours": 2}),
            ("GET", f"{API}/{rule['id']}", None),
            ("PATCH", f"{API}/{rule['id']}", {"name": "y"}),
            ("DELETE", f"{API}/{rule['id']}", None),
            ("PUT", f"{API}/order", {"rule_ids": [rule["id"]]}),
        ):
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (who, method, path, response.text)
            assert response.json()["code"] == "not_an_admin"


async def test_another_organisations_rules_are_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    [rule] = await _rules(client, world)
    pekka = await world.auth("pekka")
    for method, body in (("GET", None), ("PATCH", {"name": "Oma"}), ("DELETE", None)):
        response = await client.request(method, f"{API}/{rule['id']}", json=body, headers=pekka)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    own = await client.get(API, headers=pekka)
    assert [r["id"] for r in own.json()] != [rule["id"]]
    order = await client.put(f"{API}/order", json={"rule_ids": [rule["id"]]}, headers=pekka)
    assert order.status_code == 422 and order.json()["code"] == "rule_order_mismatch"
    target = await client.post(
        API,
        json={
            "name": "Naapurin yksikkö",
            "target": {"unit_id": str(world.units["south"].id)},
            "ack_hours": 1,
            "respond_hours": 2,
        },
        headers=pekka,
    )
    assert target.status_code == 422 and target.json()["code"] == "unknown_unit"


async def test_crud_positions_and_reorder(client: httpx.AsyncClient, world: World) -> None:
    [default] = await _rules(client, world)
    # Left without a position, a new rule goes above the final catch-all rule.
    complaints = await _create(client, world, name="Complaints", match={"kinds": ["complaint"]})
    praise = await _create(client, world, name="Praise", match={"kinds": ["praise"]}, position=0)
    listed = await _rules(client, world)
    assert [(r["name"], r["position"]) for r in listed] == [
        ("Praise", 0),
        ("Complaints", 1),
        (default["name"], 2),
    ]

    aaro = await world.auth("aaro")
    # Moving a rule changes its version too: the If-Match comes from a fresh read.
    current = next(r for r in listed if r["id"] == complaints["id"])["version"]
    changed = await client.patch(
        f"{API}/{complaints['id']}",
        json={"name": "All complaints", "active": False, "ack_hours": 2},
        headers={**aaro, "If-Match": f'"{current}"'},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["active"], changed.json()["ack_hours"]) == (
        "All complaints",
        False,
        2,
    )
    assert changed.headers["ETag"] == f'"{current + 1}"'
    stale = await client.patch(
        f"{API}/{complaints['id']}",
        json={"name": "Lost update"},
        headers={**aaro, "If-Match": f'"{current}"'},
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "version_mismatch")
    disordered = await client.patch(
        f"{API}/{complaints['id']}", json={"respond_hours": 1}, headers=aaro
    )
    assert disordered.status_code == 422
    assert disordered.json()["code"] == "deadlines_out_of_order"

    order = [default["id"], complaints["id"], praise["id"]]
    reordered = await client.put(f"{API}/order", json={"rule_ids": order}, headers=aaro)
    assert reordered.status_code == 200, reordered.text
    assert [r["id"] for r in reordered.json()] == order
    partial = await client.put(f"{API}/order", json={"rule_ids": order[:2]}, headers=aaro)
    assert partial.status_code == 422 and partial.json()["code"] == "rule_order_mismatch"

    deleted = await client.delete(f"{API}/{default['id']}", headers=aaro)
    assert deleted.status_code == 204
    assert [(r["id"], r["position"]) for r in await _rules(client, world)] == [
        (complaints["id"], 0),
        (praise["id"], 1),
    ]
    gone = await client.get(f"{API}/{default['id']}", headers=aaro)
    assert gone.status_code == 404


async def test_invalid_rules_are_refused(client: httpx.AsyncClient, world: World) -> None:
    aaro = await world.auth("aaro")
    cases = [
        ({"name": "x", "ack_hours": 0, "respond_hours": 2}, "validation_error"),
        ({"name": "x", "ack_hours": 5, "respond_hours": 2}, "deadlines_out_of_order"),
        (
            {"name": "x", "ack_hours": 1, "respond_hours": 2, "target": {}},
            "validation_error",
        ),
        (
            {
                "name": "x",
                "ack_hours": 1,
                "respond_hours": 2,
                "target": {"levels_up": 1, "unit_id": str(world.units["south"].id)},
            },
            "validation_error",
        ),
        (
            {"name": "x", "ack_hours": 1, "respond_hours": 2, "match": {"tags": ["Ei käy!"]}},
            "validation_error",
        ),
        (
            {
                "name": "x",
                "ack_hours": 1,
                "respond_hours": 2,
                "match": {"journey_stages": ["nowhere"]},
            },
            "unknown_journey_stage",
        ),
        (
            {
                "name": "x",
                "ack_hours": 1,
                "respond_hours": 2,
                "match": {"unit_id": str(world.units["p_branch"].id)},
            },
            "unknown_unit",
        ),
    ]
    for body, code in cases:
        response = await client.post(API, json=body, headers=aaro)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code, body
    assert len(await _rules(client, world)) == 1


async def test_deadlines_in_minutes_or_the_deprecated_hours(
    client: httpx.AsyncClient, world: World
) -> None:
    aaro = await world.auth("aaro")

    async def create(**body: Any) -> dict[str, Any]:
        response = await client.post(API, json=body, headers=aaro)
        assert response.status_code == 201, response.text
        rule: dict[str, Any] = response.json()
        return rule

    quick = await create(name="Quick", ack_minutes=15, respond_minutes=90)
    assert {
        k: quick[k] for k in ("ack_minutes", "respond_minutes", "ack_hours", "respond_hours")
    } == {
        "ack_minutes": 15,
        "respond_minutes": 90,
        "ack_hours": 1,
        "respond_hours": 2,
    }
    # Old clients send hours, alone or agreeing with the minutes.
    hours = await create(name="Hours", ack_hours=3, respond_hours=30)
    assert (hours["ack_minutes"], hours["respond_minutes"]) == (180, 1800)
    both = await create(name="Both", ack_hours=1, ack_minutes=60, respond_minutes=60)
    assert both["ack_minutes"] == 60
    changed = await client.patch(f"{API}/{hours['id']}", json={"ack_minutes": 20}, headers=aaro)
    assert (changed.json()["ack_minutes"], changed.json()["ack_hours"]) == (20, 1)
    changed = await client.patch(f"{API}/{hours['id']}", json={"respond_hours": 5}, headers=aaro)
    assert changed.json()["respond_minutes"] == 300
    for body, code in [
        ({"name": "x", "respond_minutes": 60}, "validation_error"),
        (
            {"name": "x", "ack_minutes": 30, "ack_hours": 1, "respond_minutes": 60},
            "validation_error",
        ),
        ({"name": "x", "ack_minutes": 0, "respond_minutes": 60}, "validation_error"),
        ({"name": "x", "ack_minutes": 61, "respond_hours": 1}, "deadlines_out_of_order"),
    ]:
        response = await client.post(API, json=body, headers=aaro)
        assert (response.status_code, response.json()["code"]) == (422, code), body
    late = await client.patch(f"{API}/{hours['id']}", json={"ack_minutes": 301}, headers=aaro)
    assert (late.status_code, late.json()["code"]) == (422, "deadlines_out_of_order")


async def test_each_condition_must_hold(client: httpx.AsyncClient, world: World) -> None:
    """A rule sends matches to the region; what it does not match stays with the store."""
    conditions: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = [
        ({"kinds": ["complaint"]}, {"kind": "complaint"}, {"kind": "idea"}, {"kind": "complaint"}),
        (
            {"journey_stages": ["delivery", "billing"]},
            {"journey_stage": "billing"},
            {"journey_stage": "purchase"},
            {"journey_stage": "billing"},
        ),
        (
            {"tags": ["logistics", "cold-chain"]},
            {"tags": ["Cold-Chain", "shelf"]},
            {"tags": ["shelf"]},
            {"tags": ["cold-chain"]},
        ),
        (
            {"min_customer_impact": "medium"},
            {"customer_impact": "high"},
            {"customer_impact": "low"},
            {"customer_impact": "high"},
        ),
        (
            {"unit_id": str(world.units["store_a"].id)},
            {},
            # Ben's own store: Anna may not post for another store.
            {"unit_id": str(world.units["store_b"].id), "who": "ben"},
            {"unit_id": str(world.units["store_a"].id)},
        ),
    ]
    aaro = await world.auth("aaro")
    for match, hit, miss, matched in conditions:
        rule = await _create(
            client, world, name="Region", match=match, target={"levels_up": 2}, position=0
        )
        routed = await _post(client, world, **hit)
        assert routed["owner_unit"]["id"] == str(world.units["south"].id), match
        reason = (await _routed(client, world, routed["id"]))["reason"]
        expected = {
            key.replace("kinds", "kind")
            .replace("journey_stages", "journey_stage")
            .replace("min_customer_impact", "customer_impact")
            .replace("unit_id", "unit_subtree"): value
            for key, value in matched.items()
        }
        assert reason == {"matched": expected, "target": {"levels_up": 2}}, match

        missed = await _post(client, world, **miss)
        assert missed["owner_unit"]["id"] != str(world.units["south"].id), match
        assert (await client.delete(f"{API}/{rule['id']}", headers=aaro)).status_code == 204


async def test_all_conditions_together_and_first_match_wins(
    client: httpx.AsyncClient, world: World
) -> None:
    strict = await _create(
        client,
        world,
        name="Severe delivery complaints",
        match={
            "kinds": ["complaint"],
            "journey_stages": ["delivery"],
            "min_customer_impact": "high",
        },
        target={"levels_up": 3},
        position=0,
        ack_hours=1,
        respond_hours=8,
    )
    await _create(
        client, world, name="Complaints", match={"kinds": ["complaint"]}, target={"levels_up": 1}
    )
    severe = await _post(
        client, world, kind="complaint", journey_stage="delivery", customer_impact="high"
    )
    assert severe["owner_unit"]["id"] == str(world.kauppa.root.id)
    assert (await _routed(client, world, severe["id"]))["rule_id"] == strict["id"]
    hours = (
        _hours(severe["created_at"], severe["ack_due_at"]),
        _hours(severe["created_at"], severe["respond_due_at"]),
    )
    assert hours == (1, 8)

    # One condition short of the first rule: the second one takes it, one level up.
    milder = await _post(
        client, world, kind="complaint", journey_stage="delivery", customer_impact="medium"
    )
    assert (await _routed(client, world, milder["id"]))["rule"] == "Complaints"
    assert milder["owner_unit"]["id"] == str(world.units["store_a"].id)


def _hours(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


async def test_levels_up_counts_from_the_insights_unit(
    client: httpx.AsyncClient, world: World
) -> None:
    # From team A1: 0 → its store (the nearest with managers), 1 → store A, 2 → region south,
    # 3 → the root, and further up still the root.
    for levels, unit in ((0, "store_a"), (1, "store_a"), (2, "south"), (3, "root"), (9, "root")):
        rule = await _create(
            client, world, name=f"{levels} up", target={"levels_up": levels}, position=0
        )
        insight = await _post(client, world)
        assert insight["owner_unit"]["id"] == str(world.units[unit].id), levels
        await client.delete(f"{API}/{rule['id']}", headers=await world.auth("aaro"))

    # Store C has no manager: one level up from it is the north region.
    await _create(client, world, name="1 up", target={"levels_up": 1}, position=0)
    insight = await _post(client, world, who="cecilia")
    assert insight["owner_unit"]["id"] == str(world.units["north"].id)


async def test_named_unit_target(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    logistics = await add_unit(
        session, world.kauppa, "logistics", world.kauppa.root, UnitKind.FUNCTION
    )
    lauri = await add_person(session, world.kauppa, "lauri", logistics, [(Role.MANAGER, logistics)])
    await session.commit()
    world.people["lauri"] = lauri

    rule = await _create(
        client,
        world,
        name="Logistics",
        match={"tags": ["logistics"]},
        target={"unit_id": str(logistics.id)},
    )
    logistics_ref = {"id": str(logistics.id), "name": "Logistics"}
    assert rule["target"] == {"levels_up": None, "unit": logistics_ref}
    insight = await _post(client, world, tags=["logistics"])
    assert insight["owner_unit"] == logistics_ref
    assert insight["tags"] == ["logistics"]
    inbox = await client.get("/api/v1/inbox", headers=await world.auth("lauri"))
    assert [i["id"] for i in inbox.json()["items"]] == [insight["id"]]
    feed = await client.get("/api/v1/notifications", headers=await world.auth("lauri"))
    assert [n["kind"] for n in feed.json()["items"]] == ["insight_assigned"]
    routed = await _routed(client, world, insight["id"])
    assert routed["reason"]["target"] == {"unit_id": str(logistics.id)}
    assert routed["owner_unit"] == "Logistics"

    # A named unit without managers hands over to the nearest unit above it with some.
    depot = await add_unit(session, world.kauppa, "depot", logistics, UnitKind.TEAM)
    await session.commit()
    await client.patch(
        f"{API}/{rule['id']}",
        json={"target": {"unit_id": str(depot.id)}},
        headers=await world.auth("aaro"),
    )
    again = await _post(client, world, tags=["logistics"])
    assert again["owner_unit"]["id"] == str(logistics.id)


async def test_inactive_rules_are_skipped_and_no_rule_falls_back(
    client: httpx.AsyncClient, world: World
) -> None:
    [default] = await _rules(client, world)
    aaro = await world.auth("aaro")
    await client.patch(f"{API}/{default['id']}", json={"active": False}, headers=aaro)
    insight = await _post(client, world)
    assert insight["owner_unit"]["id"] == str(world.units["store_a"].id)
    routed = await _routed(client, world, insight["id"])
    assert (routed["rule_id"], routed["rule"]) == (None, "No active rule matched")
    assert _hours(insight["created_at"], insight["ack_due_at"]) == 48


async def test_tags_are_normalised_and_validated(client: httpx.AsyncClient, world: World) -> None:
    insight = await _post(client, world, tags=[" Logistics ", "logistics", "cold-chain"])
    assert insight["tags"] == ["logistics", "cold-chain"]
    anna = await world.auth("anna")
    for tags in (["two words"], ["x" * 33], [f"t{i}" for i in range(11)]):
        response = await client.post(
            "/api/v1/insights", json={"kind": "idea", "text": "Hei.", "tags": tags}, headers=anna
        )
        assert response.status_code == 422, tags


async def test_posting_costs_the_same_statements_whatever_the_rules(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    async def post_counted() -> int:
        await client.get("/api/v1/me", headers=await world.auth("anna"))  # warm the key cache
        statements.clear()
        event.listen(connection.sync_connection, "before_cursor_execute", count)
        try:
            # Without the similar insights, whose count depends on what was posted before.
            response = await client.post(
                "/api/v1/insights",
                json={
                    "kind": "complaint",
                    "text": "Lastauslaituri on tukossa.",
                    "tags": ["logistics"],
                },
                params={"similar": "false"},
                headers=await world.auth("anna"),
            )
            assert response.status_code == 201, response.text
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)
        return len(statements)

    with_default = await post_counted()
    for n in range(6):
        await _create(client, world, name=f"Rule {n}", match={"tags": [f"tag{n}"]}, position=0)
    assert await post_counted() == with_default
