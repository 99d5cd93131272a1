"""Actions: one action answers insights from several units; completing it prompts the loop."""

from typing import Any

import httpx

from tests.factories import World

API = "/api/v1"


async def _post(client: httpx.AsyncClient, world: World, who: str, text: str) -> str:
    response = await client.post(
        f"{API}/insights", json={"kind": "complaint", "text": text}, headers=await world.auth(who)
    )
    assert response.status_code == 201, response.text
    insight_id: str = response.json()["id"]
    return insight_id


async def test_region_action_over_two_stores_prompts_each_owner(
    client: httpx.AsyncClient, world: World
) -> None:
    a = await _post(client, world, "anna", "Itsepalvelukassa jumittaa bonuskortilla.")
    b = await _post(client, world, "ben", "Self-checkout freezes with the bonus card.")
    rita = await world.auth("rita")

    created = await client.post(
        f"{API}/actions",
        json={
            "title": "Itsepalvelukassojen ohjelmistopäivitys",
            "insight_ids": [a, b],
            "due_on": "2026-12-01",
        },
        headers=rita,
    )
    assert created.status_code == 201, created.text
    action: dict[str, Any] = created.json()
    assert sorted(action["insight_ids"]) == sorted([a, b])
    assert action["owner"]["display_name"] == "Rita"

    # Each store manager sees the action, but only their own store's insight in it.
    as_mia = (
        await client.get(f"{API}/actions/{action['id']}", headers=await world.auth("mia"))
    ).json()
    assert as_mia["insight_ids"] == [a]

    not_yet = await client.patch(
        f"{API}/actions/{action['id']}", json={"status": "done"}, headers=rita
    )
    assert not_yet.status_code == 422
    assert not_yet.json()["code"] == "outcome_required"

    done = await client.patch(
        f"{API}/actions/{action['id']}",
        json={"status": "done", "outcome": "Päivitys asennettu kaikkiin kassoihin."},
        headers=rita,
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_at"] is not None

    for manager in ("mia", "max"):
        feed = (await client.get(f"{API}/notifications", headers=await world.auth(manager))).json()
        assert "action_completed" in [n["kind"] for n in feed["items"]], manager
    max_feed = (await client.get(f"{API}/notifications", headers=await world.auth("max"))).json()
    completed = next(n for n in max_feed["items"] if n["kind"] == "action_completed")
    assert completed["title"] == "Action done – tell the reporter"  # Max reads English

    reopened = await client.patch(
        f"{API}/actions/{action['id']}", json={"status": "in_progress"}, headers=rita
    )
    assert reopened.status_code == 409
    assert reopened.json()["code"] == "invalid_action_transition"

    for insight_id in (a, b):
        detail = (await client.get(f"{API}/insights/{insight_id}", headers=rita)).json()
        assert detail["status"] == "in_progress"
        assert detail["actions"][0]["status"] == "done"


async def test_only_managers_create_actions_and_only_on_their_insights(
    client: httpx.AsyncClient, world: World
) -> None:
    a = await _post(client, world, "anna", "Ovi reistailee.")
    frontline = await client.post(
        f"{API}/actions", json={"title": "x", "insight_ids": [a]}, headers=await world.auth("anna")
    )
    assert frontline.status_code == 403
    hr = await client.post(
        f"{API}/actions", json={"title": "x", "insight_ids": [a]}, headers=await world.auth("hanna")
    )
    assert hr.status_code == 403
    other_store = await client.post(
        f"{API}/actions", json={"title": "x", "insight_ids": [a]}, headers=await world.auth("max")
    )
    assert other_store.status_code == 404
    # Nothing half-made survives a refused request.
    mine = (await client.get(f"{API}/me/insights", headers=await world.auth("anna"))).json()
    assert mine["items"][0]["actions"] == []


async def test_hr_reads_but_cannot_act(client: httpx.AsyncClient, world: World) -> None:
    a = await _post(client, world, "anna", "Taukotila on liian pieni.")
    hanna = await world.auth("hanna")
    assert (await client.get(f"{API}/insights/{a}", headers=hanna)).status_code == 200
    acting = await client.post(f"{API}/insights/{a}/acknowledge", headers=hanna)
    assert acting.status_code == 403
    commenting = await client.post(
        f"{API}/insights/{a}/comments", json={"body": "Hei"}, headers=hanna
    )
    assert commenting.status_code == 403


async def test_racing_edits_of_an_action_meet_412(client: httpx.AsyncClient, world: World) -> None:
    insight = await _post(client, world, "anna", "Hyllynreunan hintalaput puuttuvat.")
    mia = await world.auth("mia")
    created = await client.post(
        f"{API}/actions",
        json={"title": "Hintalaput kuntoon", "insight_ids": [insight]},
        headers=mia,
    )
    assert created.status_code == 201, created.text
    url = f"{API}/actions/{created.json()['id']}"
    read = await client.get(url, headers=mia)
    etag = read.headers["etag"]

    # Two edits based on the same version: the first wins, the second is told to reload.
    first = await client.patch(
        url, json={"status": "in_progress"}, headers={**mia, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag
    second = await client.patch(
        url, json={"due_on": "2026-12-24"}, headers={**mia, "If-Match": etag}
    )
    assert second.status_code == 412
    assert second.json()["code"] == "version_mismatch"
    assert (await client.get(url, headers=mia)).json()["due_on"] is None

    fresh = await client.patch(
        url, json={"due_on": "2026-12-24"}, headers={**mia, "If-Match": first.headers["etag"]}
    )
    assert fresh.status_code == 200


async def test_the_etag_is_the_actions_version(client: httpx.AsyncClient, world: World) -> None:
    first = await _post(client, world, "anna", "Hinnoittelukone tulostaa väärin.")
    second = await _post(client, world, "aku", "Hintalappuja ei saa tulostettua.")
    mia = await world.auth("mia")
    created = await client.post(
        f"{API}/actions", json={"title": "Tulostin huoltoon", "insight_ids": [first]}, headers=mia
    )
    assert created.status_code == 201, created.text
    url = f"{API}/actions/{created.json()['id']}"
    read = await client.get(url, headers=mia)
    assert read.headers["etag"] == '"1"'
    assert "version" not in read.json()

    # Linking another insight changes what the action says, and so its version.
    linked = await client.post(f"{url}/insights", json={"insight_ids": [second]}, headers=mia)
    assert linked.status_code == 200, linked.text
    assert (await client.get(url, headers=mia)).headers["etag"] == '"2"'
    stale = await client.patch(
        url, json={"due_on": "2026-12-24"}, headers={**mia, "If-Match": '"1"'}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "version_mismatch")
    # Something that is no ETag of this API is the client's mistake, not a stale copy.
    for garbled in ("2", '"2" "3"', "O5kb$P"):
        wrong = await client.patch(
            url, json={"due_on": "2026-12-24"}, headers={**mia, "If-Match": garbled}
        )
        assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_if_match")
    edited = await client.patch(
        url, json={"due_on": "2026-12-24"}, headers={**mia, "If-Match": '"2"'}
    )
    assert (edited.status_code, edited.headers["etag"]) == (200, '"3"')
