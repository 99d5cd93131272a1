"""Over GraphQL with the client's operations: "me too", merging three stores' duplicates and
answering them all, and the customer loop with erasure."""

from tests.gql.client import GraphQL, codes, gid

CONTACT = {
    "name": "Liisa Asiakas",
    "channel": "EMAIL",
    "address": "liisa.asiakas@example.fi",
    "consent": True,
}


async def _post(gql: GraphQL, who: str, text: str, **fields: object) -> str:
    posted = await gql.data(who, "PostInsight", input={"kind": "COMPLAINT", "text": text, **fields})
    iid: str = posted["postInsight"]["insight"]["id"]
    return iid


async def test_three_stores_duplicates_are_all_answered(gql: GraphQL) -> None:
    parent = await _post(gql, "anna", "Maitohylly on tyhjä aamuisin.")
    ben = await _post(gql, "ben", "The milk shelf is empty in the morning.")
    cecilia = await _post(gql, "cecilia", "Maitoa ei ole aamulla.")

    backed = await gql.data("aku", "EndorseInsight", input={"insightId": parent, "note": "Sama."})
    assert backed["endorseInsight"]["created"] is True
    again = await gql.data("aku", "EndorseInsight", input={"insightId": parent})
    assert again["endorseInsight"]["created"] is False
    own = await gql.run("anna", "EndorseInsight", input={"insightId": parent})
    assert codes(own) == ["own_insight"]

    merged = await gql.data(
        "aaro", "MergeInsights", input={"parentId": parent, "insightIds": [ben, cecilia]}
    )
    assert merged["mergeInsights"]["insight"]["endorsementCount"] == 1

    action = await gql.data(
        "aaro", "CreateAction", input={"title": "Aamumaito", "insightIds": [parent]}
    )
    await gql.data(
        "aaro",
        "UpdateAction",
        input={
            "id": action["createAction"]["action"]["id"],
            "status": "DONE",
            "outcome": "Maito aamutoimitukseen.",
        },
    )
    await gql.data("aaro", "ResolveInsight", input={"id": parent, "resolution": "Korjattu."})
    await gql.data("aaro", "TellReporter", input={"insightId": parent, "message": "Korjattu!"})

    for who, own_id in (("anna", parent), ("ben", ben), ("cecilia", cecilia)):
        mine = (await gql.data(who, "MyInsights"))["myInsights"]["edges"]
        node = next(e["node"] for e in mine if e["node"]["id"] == own_id)
        assert node["latestAnswer"]["message"] == "Korjattu!", who
        assert node["loopClosedAt"] is not None, who
        assert [a["status"] for a in node["actions"]] == ["DONE"], who
        if own_id != parent:
            assert node["status"] == "MERGED"
            assert node["mergedInto"] == {
                "insightId": parent,
                "status": "RESOLVED",
                "resolution": "Korjattu.",
                "closedAt": node["mergedInto"]["closedAt"],
                "loopClosedAt": node["mergedInto"]["loopClosedAt"],
            }
    feed = (await gql.data("aku", "Notifications"))["notifications"]["edges"]
    assert feed[0]["node"]["kind"] == "ENDORSEMENT_ANSWERED"

    as_aaro = (await gql.data("aaro", "Insight", id=parent))["insight"]
    assert [e["endorser"]["displayName"] for e in as_aaro["endorsements"]] == ["Aku"]
    as_anna = (await gql.data("anna", "Insight", id=parent))["insight"]
    assert [e["endorser"] for e in as_anna["endorsements"]] == [None]


async def test_customer_contact_told_and_erased(gql: GraphQL) -> None:
    refused = await gql.run(
        "anna",
        "PostInsight",
        input={
            "kind": "IDEA",
            "text": "Kotiinkuljetus?",
            "customerContact": {**CONTACT, "consent": False},
        },
    )
    assert codes(refused) == ["validation_error"]

    iid = await _post(gql, "anna", "Asiakas odotti palautusta.", customerContact=CONTACT)
    owner = await gql.data(
        "mia",
        "UpdateCustomerLoop",
        input={"insightId": iid, "ownerId": gid("Person", gql.world.people["rita"].id)},
    )
    assert owner["updateCustomerLoop"]["customerContact"]["owner"]["displayName"] == "Rita"
    told = await gql.data(
        "mia",
        "TellReporter",
        input={"insightId": iid, "message": "Hoidettu.", "audience": "CUSTOMER"},
    )
    # No e-mail is configured: the message awaits a person, who writes and marks it done.
    communication = told["tellReporter"]["communication"]
    assert (communication["status"], communication["channel"]) == ("AWAITING_PERSON", "EMAIL")
    marked = await gql.data("mia", "MarkCommunicationDelivered", input={"id": communication["id"]})
    assert marked["markCommunicationDelivered"]["communication"]["status"] == "DELIVERED"

    erased = await gql.data("anna", "EraseCustomerContact", input={"insightId": iid})
    contact = erased["eraseCustomerContact"]["insight"]["customerContact"]
    assert (contact["name"], contact["address"]) == (None, None)
    assert contact["erasedAt"] is not None
    detail = await gql.run("mia", "Insight", id=iid)
    assert CONTACT["address"] not in str(detail) and CONTACT["name"] not in str(detail)
    again = await gql.run(
        "mia", "TellReporter", input={"insightId": iid, "message": "Vielä.", "audience": "CUSTOMER"}
    )
    assert codes(again) == ["customer_contact_erased"]
