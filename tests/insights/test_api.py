"""The core loop over REST: post → inbox → acknowledge → comment → action → resolve → tell."""

import uuid
from typing import Any

import httpx

from tests.factories import World

API = "/api/v1"


async def post_insight(
    client: httpx.AsyncClient, world: World, who: str, **fields: Any
) -> dict[str, Any]:
    body = {"kind": "observation", "text": "Asiakkaat eivät löydä itsepalvelukassaa.", **fields}
    response = await client.post(f"{API}/insights", json=body, headers=await world.auth(who))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_post_routes_to_store_manager_and_shows_in_inbox(
    client: httpx.AsyncClient, world: World
) -> None:
    insight = await post_insight(client, world, "anna")
    assert insight["status"] == "new"
    # Anna's team has no manager of its own: the store's manager owns it.
    assert insight["owner_unit"]["id"] == str(world.units["store_a"].id)
    assert insight["language"] == "fi"

    inbox = await client.get(f"{API}/inbox", headers=await world.auth("mia"))
    assert inbox.status_code == 200, inbox.text
    assert [i["id"] for i in inbox.json()["items"]] == [insight["id"]]

    other = await client.get(f"{API}/inbox", headers=await world.auth("max"))
    assert other.json()["items"] == []


async def test_store_without_manager_routes_to_region(
    client: httpx.AsyncClient, world: World
) -> None:
    insight = await post_insight(
        client, world, "cecilia", text="Pullonpalautusautomaatti on rikki."
    )
    assert insight["owner_unit"]["id"] == str(world.units["north"].id)
    inbox = await client.get(f"{API}/inbox", headers=await world.auth("nils"))
    assert [i["id"] for i in inbox.json()["items"]] == [insight["id"]]


async def test_whole_loop_with_confidential_reporter(
    client: httpx.AsyncClient, world: World
) -> None:
    anna, mia = await world.auth("anna"), await world.auth("mia")
    seen_by_manager: list[str] = []

    async def as_mia(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await client.request(method, f"{API}{path}", headers=mia, **kwargs)
        assert response.status_code < 300, response.text
        seen_by_manager.append(response.text)
        result: dict[str, Any] = response.json()
        return result

    insight = await post_insight(
        client,
        world,
        "anna",
        kind="complaint",
        text="Esihenkilö ohittaa turvallisuusohjeet kiireessä, asiakkaat ihmettelevät.",
        visibility="confidential",
        journey_stage="purchase",
        touchpoint="in_person",
        customer_impact="high",
    )
    iid = insight["id"]
    assert insight["author"]["display_name"] == "Anna"  # the reporter sees themselves

    inbox = await as_mia("GET", "/inbox")
    assert inbox["items"][0]["id"] == iid
    assert inbox["items"][0]["author"] is None

    acknowledged = await as_mia("POST", f"/insights/{iid}/acknowledge")
    assert acknowledged["status"] == "acknowledged"

    await as_mia("POST", f"/insights/{iid}/comments", json={"body": "Kiitos, voitko kertoa lisää?"})
    reply = await client.post(
        f"{API}/insights/{iid}/comments",
        json={"body": "Tämä toistuu iltavuoroissa."},
        headers=anna,
    )
    assert reply.status_code == 201, reply.text
    thread = await as_mia("GET", f"/insights/{iid}/comments")
    assert [c["by_reporter"] for c in thread] == [False, True]
    assert thread[1]["author"] is None

    action = await as_mia(
        "POST",
        "/actions",
        json={"title": "Turvallisuuskoulutus iltavuoroille", "insight_ids": [iid]},
    )
    assert action["insight_ids"] == [iid]
    detail = await as_mia("GET", f"/insights/{iid}")
    assert detail["status"] == "in_progress"

    await as_mia(
        "PATCH",
        f"/actions/{action['id']}",
        json={"status": "done", "outcome": "Koulutus pidetty 12.11."},
    )
    resolved = await as_mia(
        "POST", f"/insights/{iid}/resolve", json={"resolution": "Koulutus pidetty."}
    )
    assert resolved["status"] == "resolved"
    assert resolved["loop_closed_at"] is None

    told = await as_mia(
        "POST",
        f"/insights/{iid}/communications",
        json={"message": "Kiitos havainnosta: koko vuoro koulutettiin."},
    )
    assert told["delivered_at"] is not None

    mine = (await client.get(f"{API}/me/insights", headers=anna)).json()["items"]
    assert mine[0]["id"] == iid
    assert mine[0]["status"] == "resolved"
    assert mine[0]["loop_closed_at"] is not None
    assert mine[0]["actions"][0]["status"] == "done"
    assert mine[0]["latest_answer"]["message"].startswith("Kiitos havainnosta")

    feed = (await client.get(f"{API}/notifications", headers=anna)).json()["items"]
    kinds = [n["kind"] for n in feed]
    assert kinds[0] == "reporter_told"
    assert {"insight_acknowledged", "comment_added", "action_linked"} <= set(kinds)
    assert feed[0]["title"] == "Vastaus havaintoosi"  # Anna reads Finnish

    ack = await client.post(f"{API}/communications/{told['id']}/acknowledge", headers=anna)
    assert ack.status_code == 200 and ack.json()["acknowledged_at"] is not None

    timeline = await as_mia("GET", f"/insights/{iid}/timeline")
    assert [e["type"] for e in timeline] == [
        "posted",
        "routed",
        "acknowledged",
        "commented",
        "commented",
        "action_linked",
        "started",
        "action_completed",
        "resolved",
        "reporter_told",
        "loop_closed",
    ]
    assert timeline[0]["actor"] is None and timeline[0]["by_reporter"] is True

    anna_id = str(world.people["anna"].id)
    for body in seen_by_manager:
        assert anna_id not in body and "Anna" not in body


async def test_invalid_transition_is_409_with_stable_code(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    mia = await world.auth("mia")
    declined = await client.post(
        f"{API}/insights/{iid}/decline", json={"reason": "Ei toteutettavissa."}, headers=mia
    )
    assert declined.status_code == 200
    again = await client.post(f"{API}/insights/{iid}/acknowledge", headers=mia)
    assert again.status_code == 409
    problem = again.json()
    assert problem["code"] == "invalid_status_transition"
    assert again.headers["content-type"] == "application/problem+json"


async def test_frontline_cannot_act_on_own_insight(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    response = await client.post(
        f"{API}/insights/{iid}/acknowledge", headers=await world.auth("anna")
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_insight_manager"


async def test_retried_post_with_client_id_creates_one_insight(
    client: httpx.AsyncClient, world: World
) -> None:
    client_id = str(uuid.uuid4())
    anna = await world.auth("anna")
    body = {"id": client_id, "kind": "idea", "text": "Lisää koreja sisäänkäynnille."}
    first = await client.post(f"{API}/insights", json=body, headers=anna)
    second = await client.post(f"{API}/insights", json=body, headers=anna)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    changed = await client.post(
        f"{API}/insights", json={**body, "text": "Jotain muuta."}, headers=anna
    )
    assert changed.status_code == 409 and changed.json()["code"] == "insight_id_conflict"
    mine = (await client.get(f"{API}/me/insights", headers=anna)).json()["items"]
    assert [i["id"] for i in mine] == [client_id]


async def test_invalid_input_is_422_problem(client: httpx.AsyncClient, world: World) -> None:
    anna = await world.auth("anna")
    cases = [
        ({"kind": "rumour", "text": "x"}, "validation_error"),
        ({"kind": "idea", "text": "   "}, "validation_error"),
        ({"kind": "idea", "text": "ok", "unexpected": 1}, "validation_error"),
        ({"kind": "idea", "text": "ok", "journey_stage": "nowhere"}, "unknown_journey_stage"),
        ({"kind": "idea", "text": "ok", "touchpoint": "telepathy"}, "unknown_touchpoint"),
        ({"kind": "idea", "text": "ok", "unit_id": str(uuid.uuid4())}, "unknown_unit"),
        (
            {"kind": "idea", "text": "ok", "unit_id": str(world.units["p_branch"].id)},
            "unknown_unit",
        ),
        (
            {"kind": "idea", "text": "ok", "occurred_at": "2999-01-01T00:00:00Z"},
            "occurred_in_future",
        ),
    ]
    for body, code in cases:
        response = await client.post(f"{API}/insights", json=body, headers=anna)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code, body
    mine = (await client.get(f"{API}/me/insights", headers=anna)).json()["items"]
    assert mine == []


async def test_inbox_filters_search_and_pagination(client: httpx.AsyncClient, world: World) -> None:
    texts = [
        "Kassajono venyy lauantaisin yli kymmenen minuutin.",
        "The self-checkout rejects bonus cards every morning.",
        "Maitohyllyn hintalaput eivät vastaa kassan hintaa.",
    ]
    ids = [(await post_insight(client, world, "anna", text=t))["id"] for t in texts]
    mia = await world.auth("mia")

    async def inbox(**params: Any) -> dict[str, Any]:
        response = await client.get(f"{API}/inbox", params=params, headers=mia)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    first = await inbox(limit=2)
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]
    second = await inbox(limit=2, cursor=first["next_cursor"])
    assert [i["id"] for i in second["items"]] == [ids[0]] and second["next_cursor"] is None

    # Stemming matches inflected forms in both languages ("rejecting", "hintalaput").
    assert [i["id"] for i in (await inbox(q="kassajono"))["items"]] == [ids[0]]
    assert [i["id"] for i in (await inbox(q="rejecting bonus card"))["items"]] == [ids[1]]
    assert [i["id"] for i in (await inbox(q="hintalaput"))["items"]] == [ids[2]]
    assert (await inbox(status="resolved"))["items"] == []
    assert len((await inbox(unit_id=str(world.units["team_a1"].id)))["items"]) == 3
    assert (await inbox(unit_id=str(world.units["store_b"].id)))["items"] == []

    bad = await client.get(f"{API}/inbox", params={"cursor": "not-a-cursor"}, headers=mia)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    too_many = await client.get(f"{API}/inbox", params={"limit": 1000}, headers=mia)
    assert too_many.status_code == 422


async def test_overdue_first_in_inbox(client: httpx.AsyncClient, world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from app.platform import clock

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    try:
        clock.freeze(start)
        old = (await post_insight(client, world, "anna", text="Vanha havainto odottaa."))["id"]
        clock.freeze(start + timedelta(hours=47))
        newer = (await post_insight(client, world, "anna", text="Uudempi havainto."))["id"]
        clock.freeze(start + timedelta(hours=49))
        items = (await client.get(f"{API}/inbox", headers=await world.auth("mia"))).json()["items"]
    finally:
        clock.freeze(None)
    assert [(i["id"], i["overdue"]) for i in items] == [(old, True), (newer, False)]


async def test_inbox_is_for_managers(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{API}/inbox", headers=await world.auth("anna"))
    assert response.status_code == 403 and response.json()["code"] == "not_a_manager"
