"""The core loop over GraphQL, with the client's own operations: post → inbox → acknowledge →
comment both ways → action → resolve → tell the reporter, who sees it all."""

import json
from typing import Any

from tests.gql.client import GraphQL, codes, gid


async def test_whole_loop_with_confidential_reporter(gql: GraphQL) -> None:
    anna = gql.world.people["anna"]
    seen_by_manager: list[dict[str, Any]] = []

    async def as_mia(name: str, **variables: Any) -> dict[str, Any]:
        data = await gql.data("mia", name, **variables)
        seen_by_manager.append(data)
        return data

    posted = await gql.data(
        "anna",
        "PostInsight",
        input={
            "kind": "COMPLAINT",
            "text": "Esihenkilö ohittaa turvallisuusohjeet kiireessä, asiakkaat ihmettelevät.",
            "visibility": "CONFIDENTIAL",
            "journeyStage": "purchase",
            "touchpoint": "in_person",
            "customerImpact": "HIGH",
        },
    )
    insight = posted["postInsight"]["insight"]
    iid = insight["id"]
    assert posted["postInsight"]["created"] is True
    assert insight["author"]["displayName"] == "Anna"  # the reporter sees themselves
    assert insight["ownerUnit"]["id"] == gid("Unit", gql.world.units["store_a"].id)

    inbox = (await as_mia("Inbox"))["inbox"]
    assert [e["node"]["id"] for e in inbox["edges"]] == [iid]
    assert inbox["edges"][0]["node"]["author"] is None

    acknowledged = await as_mia("AcknowledgeInsight", input={"id": iid})
    assert acknowledged["acknowledgeInsight"]["insight"]["status"] == "ACKNOWLEDGED"

    asked = await as_mia(
        "AddComment", input={"insightId": iid, "body": "Kiitos. Missä tilanteissa tämä toistuu?"}
    )
    assert asked["addComment"]["comment"]["author"]["displayName"] == "Mia"
    replied = await gql.data(
        "anna", "AddComment", input={"insightId": iid, "body": "Aamuvuoroissa, kun on kiire."}
    )
    assert replied["addComment"]["comment"]["isMine"] is True

    thread = (await as_mia("Insight", id=iid))["insight"]["comments"]
    assert [(c["body"], c["byReporter"]) for c in thread] == [
        ("Kiitos. Missä tilanteissa tämä toistuu?", False),
        ("Aamuvuoroissa, kun on kiire.", True),
    ]
    assert thread[0]["author"]["displayName"] == "Mia"
    assert thread[1]["author"] is None  # the confidential reporter stays unnamed

    created = await as_mia(
        "CreateAction",
        input={"title": "Turvallisuusohjeiden kertaus aamuvuorolle", "insightIds": [iid]},
    )
    action = created["createAction"]["action"]
    assert action["insightIds"] == [iid]
    assert action["owner"]["displayName"] == "Mia"

    resolution = "Ohjeet kerrattiin koko vuoron kanssa ja lisättiin perehdytykseen."
    resolved = await as_mia("ResolveInsight", input={"id": iid, "resolution": resolution})
    assert resolved["resolveInsight"]["insight"]["status"] == "RESOLVED"
    assert resolved["resolveInsight"]["insight"]["resolution"] == resolution

    answer = "Kiitos havainnosta: ohjeet on kerrattu ja ne ovat nyt osa perehdytystä."
    told = await as_mia("TellReporter", input={"insightId": iid, "message": answer})
    assert told["tellReporter"]["communication"]["deliveredAt"] is not None

    mine = (await gql.data("anna", "MyInsights"))["myInsights"]["edges"]
    followed = mine[0]["node"]
    assert followed["id"] == iid
    assert followed["status"] == "RESOLVED"
    assert followed["loopClosedAt"] is not None
    assert [a["title"] for a in followed["actions"]] == [action["title"]]
    assert followed["latestAnswer"]["message"] == answer

    feed = (await gql.data("anna", "Notifications"))["notifications"]["edges"]
    answers = [e["node"] for e in feed if e["node"]["kind"] == "REPORTER_TOLD"]
    assert [(n["body"], n["insightId"]) for n in answers] == [(answer, iid)]

    read = await gql.data(
        "anna",
        "AcknowledgeCommunication",
        input={"id": followed["latestAnswer"]["id"]},
    )
    assert read["acknowledgeCommunication"]["communication"]["acknowledgedAt"] is not None

    detail = (await as_mia("Insight", id=iid))["insight"]
    assert [e["type"] for e in detail["timeline"]] == [
        "POSTED",
        "ROUTED",
        "ACKNOWLEDGED",
        "COMMENTED",
        "COMMENTED",
        "ACTION_LINKED",
        "STARTED",
        "RESOLVED",
        "REPORTER_TOLD",
        "LOOP_CLOSED",
    ]
    by_reporter = [e for e in detail["timeline"] if e["byReporter"]]
    assert [e["type"] for e in by_reporter] == ["POSTED", "COMMENTED"]
    assert all(e["actor"] is None for e in by_reporter)
    assert detail["answers"][0]["acknowledgedAt"] is not None

    # Nothing Mia received names Anna, or carries her id.
    everything = json.dumps(seen_by_manager)
    assert "Anna" not in everything
    assert gid("Person", anna.id) not in everything
    assert str(anna.id) not in everything


async def test_reader_marks_notifications_read(gql: GraphQL) -> None:
    for text in ("Hyllynreunat puuttuvat.", "Kassajono on pitkä iltaisin."):
        await gql.data("anna", "PostInsight", input={"kind": "OBSERVATION", "text": text})
    feed = (await gql.data("mia", "Notifications", unreadOnly=True))["notifications"]["edges"]
    assert len(feed) == 2

    first = feed[0]["node"]["id"]
    read = await gql.data("mia", "MarkNotificationRead", input={"id": first})
    assert read["markNotificationRead"]["notification"]["readAt"] is not None
    unread = (await gql.data("mia", "Notifications", unreadOnly=True))["notifications"]["edges"]
    assert [e["node"]["id"] for e in unread] == [feed[1]["node"]["id"]]

    rest = await gql.data("mia", "MarkAllNotificationsRead")
    assert rest["markAllNotificationsRead"]["markedRead"] == 1
    none_left = await gql.data("mia", "Notifications", unreadOnly=True)
    assert none_left["notifications"]["edges"] == []


async def test_update_and_link_actions(gql: GraphQL) -> None:
    a = await gql.data(
        "anna", "PostInsight", input={"kind": "IDEA", "text": "Kassalle lisää pusseja."}
    )
    b = await gql.data("anna", "PostInsight", input={"kind": "IDEA", "text": "Pussit loppuvat."})
    first = a["postInsight"]["insight"]["id"]
    second = b["postInsight"]["insight"]["id"]

    created = await gql.data(
        "mia",
        "CreateAction",
        input={"title": "Pussitilaus", "insightIds": [first], "dueOn": "2026-12-01"},
    )
    action = created["createAction"]["action"]
    linked = await gql.data(
        "mia", "LinkActionInsights", input={"actionId": action["id"], "insightIds": [second]}
    )
    assert sorted(linked["linkActionInsights"]["action"]["insightIds"]) == sorted([first, second])

    not_yet = await gql.run("mia", "UpdateAction", input={"id": action["id"], "status": "DONE"})
    assert [e["extensions"]["code"] for e in not_yet["errors"]] == ["outcome_required"]

    done = await gql.data(
        "mia",
        "UpdateAction",
        input={"id": action["id"], "status": "DONE", "outcome": "Tilattu.", "dueOn": None},
    )
    updated = done["updateAction"]["action"]
    assert (updated["status"], updated["outcome"], updated["dueOn"]) == ("DONE", "Tilattu.", None)
    assert updated["completedAt"] is not None

    node = (await gql.data("mia", "Node", id=action["id"]))["node"]
    assert (node["__typename"], node["outcome"]) == ("Action", "Tilattu.")


async def test_a_phone_call_is_marked_delivered_by_a_manager(gql: GraphQL) -> None:
    posted = await gql.data(
        "anna",
        "PostInsight",
        input={
            "kind": "CUSTOMER_STORY",
            "text": "Asiakas toivoi soittoa, kun tilaus on noudettavissa.",
            "customerContact": {
                "name": "Asiakas",
                "channel": "PHONE",
                "address": "+358401234567",
                "consent": True,
            },
        },
    )
    iid = posted["postInsight"]["insight"]["id"]
    told = await gql.data(
        "mia",
        "TellReporter",
        input={"insightId": iid, "message": "Tilaus on noudettavissa.", "audience": "CUSTOMER"},
    )
    communication = told["tellReporter"]["communication"]
    assert communication["deliveredAt"] is None
    refused = await gql.run("anna", "MarkCommunicationDelivered", input={"id": communication["id"]})
    assert codes(refused) == ["not_insight_manager"]
    marked = await gql.data("mia", "MarkCommunicationDelivered", input={"id": communication["id"]})
    delivered = marked["markCommunicationDelivered"]["communication"]
    assert (delivered["status"], delivered["deliveredAt"] is not None) == ("DELIVERED", True)
