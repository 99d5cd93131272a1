"""Merging duplicates, and closing the loop for everyone behind them."""

from typing import Any

import httpx

from tests.factories import World
from tests.insights.test_api import post_insight

API = "/api/v1"


async def _merge(
    client: httpx.AsyncClient, world: World, who: str, parent: str, children: list[str]
) -> httpx.Response:
    return await client.post(
        f"{API}/insights/{parent}/merge",
        json={"insight_ids": children},
        headers=await world.auth(who),
    )


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_three_stores_duplicates_merged_all_reporters_hear_when_action_is_done(
    client: httpx.AsyncClient, world: World
) -> None:
    """Done when: merging three duplicates from three stores tells all three reporters when
    the action is done – and those who backed the parent too."""
    anna = await post_insight(client, world, "anna", text="Maitohylly on tyhjä aamuisin.")
    ben = await post_insight(
        client,
        world,
        "ben",
        text="The milk shelf is empty every morning.",
        visibility="confidential",
    )
    cecilia = await post_insight(client, world, "cecilia", text="Maitoa ei ole aamulla.")
    parent = anna["id"]
    backed = await client.post(
        f"{API}/insights/{parent}/endorsements", json={}, headers=await world.auth("aku")
    )
    assert backed.status_code == 201

    aaro = await world.auth("aaro")  # admin over the whole chain: can act on all three
    merged = await _ok(await _merge(client, world, "aaro", parent, [ben["id"], cecilia["id"]]))
    assert merged["status"] == "new"
    for child, manager in ((ben, "max"), (cecilia, "nils")):
        detail = await _ok(
            await client.get(f"{API}/insights/{child['id']}", headers=await world.auth(manager))
        )
        assert (detail["status"], detail["merged_into_id"]) == ("merged", parent)
        inbox = await _ok(await client.get(f"{API}/inbox", headers=await world.auth(manager)))
        assert child["id"] not in [i["id"] for i in inbox["items"]]

    action = await _ok(
        await client.post(
            f"{API}/actions",
            json={"title": "Maitotilaukset aamutoimitukseen", "insight_ids": [parent]},
            headers=aaro,
        )
    )
    await _ok(
        await client.patch(
            f"{API}/actions/{action['id']}",
            json={"status": "done", "outcome": "Maito tulee nyt klo 6 toimituksessa."},
            headers=aaro,
        )
    )
    await _ok(
        await client.post(
            f"{API}/insights/{parent}/resolve",
            json={"resolution": "Aamutoimitukseen lisättiin maito."},
            headers=aaro,
        )
    )
    answer = "Kiitos! Maito tulee nyt aamun ensimmäisessä toimituksessa."
    await _ok(
        await client.post(
            f"{API}/insights/{parent}/communications", json={"message": answer}, headers=aaro
        )
    )

    for who, own in (("anna", anna), ("ben", ben), ("cecilia", cecilia)):
        headers = await world.auth(who)
        feed = await _ok(await client.get(f"{API}/notifications", headers=headers))
        told = [n for n in feed["items"] if n["kind"] == "reporter_told"]
        assert [n["insight_id"] for n in told] == [own["id"]], who
        assert told[0]["data"]["message"] == answer

        mine = (await _ok(await client.get(f"{API}/me/insights", headers=headers)))["items"]
        followed = next(i for i in mine if i["id"] == own["id"])
        assert followed["loop_closed_at"] is not None, who
        assert followed["latest_answer"]["message"] == answer, who
        assert followed["latest_answer"]["status"] == "delivered"
        assert [a["status"] for a in followed["actions"]] == ["done"], who
        if own is anna:
            assert followed["status"] == "resolved"
            assert followed["merged_into"] is None
        else:
            assert followed["status"] == "merged"
            assert followed["merged_into"]["status"] == "resolved"
            assert followed["merged_into"]["resolution"] == "Aamutoimitukseen lisättiin maito."

    aku_feed = await _ok(await client.get(f"{API}/notifications", headers=await world.auth("aku")))
    backed_answer = [n for n in aku_feed["items"] if n["kind"] == "endorsement_answered"]
    assert [n["insight_id"] for n in backed_answer] == [parent]
    assert backed_answer[0]["title"] == "Vastaus havaintoon, jota tuit"
    aku_view = await _ok(
        await client.get(f"{API}/insights/{parent}", headers=await world.auth("aku"))
    )
    assert [a["message"] for a in aku_view["answers"]] == [answer]
    # The reporter's detail shows their own answer, not the copies sent to the others.
    anna_view = await _ok(
        await client.get(f"{API}/insights/{parent}", headers=await world.auth("anna"))
    )
    assert len(anna_view["answers"]) == 1

    # Ben reported confidentially: nobody else is shown who he is.
    for who in ("aaro", "max", "anna"):
        response = await client.get(f"{API}/insights/{ben['id']}", headers=await world.auth(who))
        if response.status_code == 200:
            assert response.json()["author"] is None
        parent_view = await client.get(f"{API}/insights/{parent}", headers=await world.auth(who))
        assert "Ben" not in parent_view.text


async def test_duplicates_carry_their_endorsements_to_the_parent(
    client: httpx.AsyncClient, world: World
) -> None:
    parent = (await post_insight(client, world, "anna", text="Ovi jumittaa."))["id"]
    child = (await post_insight(client, world, "aku", text="Ovi jää auki."))["id"]
    # Anna backs Aku's duplicate, and Rita backs both: after the merge Anna cannot be
    # backing her own insight, and Rita counts once.
    for who, iid in (("anna", child), ("rita", child), ("rita", parent)):
        response = await client.post(
            f"{API}/insights/{iid}/endorsements", json={}, headers=await world.auth(who)
        )
        assert response.status_code == 201
    merged = await _ok(await _merge(client, world, "mia", parent, [child]))
    assert merged["endorsement_count"] == 1
    timeline = await _ok(
        await client.get(f"{API}/insights/{parent}/timeline", headers=await world.auth("mia"))
    )
    assert timeline[-1]["type"] == "merged"
    assert timeline[-1]["data"] == {"insight_ids": [child]}
    child_timeline = await _ok(
        await client.get(f"{API}/insights/{child}/timeline", headers=await world.auth("mia"))
    )
    assert child_timeline[-1]["type"] == "merged_into"
    feed = await _ok(await client.get(f"{API}/notifications", headers=await world.auth("aku")))
    assert feed["items"][0]["kind"] == "insight_merged"


async def test_merge_rules(client: httpx.AsyncClient, world: World) -> None:
    a = (await post_insight(client, world, "anna", text="Kylmälaite hurisee."))["id"]
    b = (await post_insight(client, world, "ben", text="The freezer hums."))["id"]
    c = (await post_insight(client, world, "aku", text="Pakastin pitää ääntä."))["id"]

    # Mia cannot see store B's insight, Max cannot act on store A's: both look missing.
    missing = await _merge(client, world, "mia", a, [b])
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    missing = await _merge(client, world, "max", b, [a])
    assert missing.status_code == 404
    # HR reads both but acts on neither.
    refused = await _merge(client, world, "hanna", a, [b])
    assert (refused.status_code, refused.json()["code"]) == (403, "not_insight_manager")
    # A reporter is no manager.
    refused = await _merge(client, world, "anna", a, [c])
    assert refused.status_code == 403

    itself = await _merge(client, world, "rita", a, [a])
    assert (itself.status_code, itself.json()["code"]) == (422, "merge_into_itself")

    await _ok(await _merge(client, world, "rita", a, [b]))
    retried = await _merge(client, world, "rita", a, [b])
    assert retried.status_code == 200
    into_merged = await _merge(client, world, "rita", b, [c])
    assert (into_merged.status_code, into_merged.json()["code"]) == (409, "merge_into_merged")
    elsewhere = await _merge(client, world, "rita", c, [b])
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "invalid_status_transition")

    # A merged insight follows its parent: it is not acted on, endorsed or answered itself.
    rita = await world.auth("rita")
    ack = await client.post(f"{API}/insights/{b}/acknowledge", headers=rita)
    assert ack.json()["code"] == "invalid_status_transition"
    told = await client.post(
        f"{API}/insights/{b}/communications", json={"message": "Hei"}, headers=rita
    )
    assert (told.status_code, told.json()["code"]) == (409, "insight_merged")
    backed = await client.post(
        f"{API}/insights/{b}/endorsements", json={}, headers=await world.auth("rita")
    )
    assert (backed.status_code, backed.json()["code"]) == (409, "insight_merged")

    # Closed insights are not duplicates to fold any more.
    await _ok(
        await client.post(f"{API}/insights/{c}/decline", json={"reason": "Ei."}, headers=rita)
    )
    closed = await _merge(client, world, "rita", a, [c])
    assert (closed.status_code, closed.json()["code"]) == (409, "invalid_status_transition")


async def test_answers_before_closing_reach_reporters_and_retries_send_nothing_twice(
    client: httpx.AsyncClient, world: World
) -> None:
    parent = (await post_insight(client, world, "anna", text="Valo vilkkuu."))["id"]
    child = (await post_insight(client, world, "aku", text="Lamppu vilkkuu."))["id"]
    await _ok(
        await client.post(
            f"{API}/insights/{parent}/endorsements", json={}, headers=await world.auth("rita")
        )
    )
    await _ok(await _merge(client, world, "mia", parent, [child]))
    mia = await world.auth("mia")
    interim = {"id": "2f1b7c43-0c8e-4d53-9d55-5a0c6f1d2e01", "message": "Sähkömies tulee."}
    first = await _ok(
        await client.post(f"{API}/insights/{parent}/communications", json=interim, headers=mia)
    )
    retried = await client.post(
        f"{API}/insights/{parent}/communications", json=interim, headers=mia
    )
    assert retried.status_code == 201 and retried.json()["id"] == first["id"]

    aku_feed = await _ok(await client.get(f"{API}/notifications", headers=await world.auth("aku")))
    assert [n["kind"] for n in aku_feed["items"]].count("reporter_told") == 1
    # An interim message is for the reporters; those who backed it hear when it closes.
    rita_feed = await _ok(
        await client.get(f"{API}/notifications", headers=await world.auth("rita"))
    )
    assert "endorsement_answered" not in [n["kind"] for n in rita_feed["items"]]
    mine = await _ok(await client.get(f"{API}/me/insights", headers=await world.auth("aku")))
    followed = mine["items"][0]
    assert followed["latest_answer"]["message"] == "Sähkömies tulee."
    assert followed["loop_closed_at"] is None

    # The merged reporter acknowledges the answer filed on their own insight.
    ack = await client.post(
        f"{API}/communications/{followed['latest_answer']['id']}/acknowledge",
        headers=await world.auth("aku"),
    )
    assert ack.status_code == 200 and ack.json()["acknowledged_at"] is not None
    foreign = await client.post(
        f"{API}/communications/{followed['latest_answer']['id']}/acknowledge",
        headers=await world.auth("anna"),
    )
    assert foreign.status_code == 404


async def test_merging_a_parent_brings_its_duplicates_along(
    client: httpx.AsyncClient, world: World
) -> None:
    a = (await post_insight(client, world, "anna", text="Kori rikki."))["id"]
    b = (await post_insight(client, world, "aku", text="Korit rikki."))["id"]
    c = (await post_insight(client, world, "anna", text="Ostoskorit hajoavat."))["id"]
    await _ok(await _merge(client, world, "mia", b, [c]))
    await _ok(await _merge(client, world, "mia", a, [b]))
    mia = await world.auth("mia")
    for child in (b, c):
        detail = await _ok(await client.get(f"{API}/insights/{child}", headers=mia))
        assert detail["merged_into_id"] == a
