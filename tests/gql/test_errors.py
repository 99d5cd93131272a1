"""Errors carry the codes REST uses; a result with errors persists nothing; internals never
reach the client."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from tests.gql.client import GraphQL, codes, gid, operation


async def _post(gql: GraphQL, text: str = "Kylmäkaappi vuotaa.") -> str:
    posted = await gql.data("anna", "PostInsight", input={"kind": "OBSERVATION", "text": text})
    insight_id: str = posted["postInsight"]["insight"]["id"]
    return insight_id


async def test_unauthenticated_requests_get_the_rest_codes(gql: GraphQL) -> None:
    missing = await gql.run(None, "Me")
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"] == {"code": "missing_token", "status": 401}

    response = await gql.client.post(
        "/graphql",
        json={"query": "query { me { email } }"},
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert response.status_code == 200
    assert codes(response.json()) == ["invalid_token"]


async def test_invalid_status_transition(gql: GraphQL) -> None:
    iid = await _post(gql)
    await gql.data("mia", "ResolveInsight", input={"id": iid, "resolution": "Korjattu."})
    again = await gql.run("mia", "AcknowledgeInsight", input={"id": iid})
    assert again["data"] is None
    error = again["errors"][0]
    assert error["path"] == ["acknowledgeInsight"]
    assert error["extensions"]["code"] == "invalid_status_transition"
    assert error["extensions"]["status"] == 409


async def test_stale_version_and_missing_rights(gql: GraphQL) -> None:
    iid = await _post(gql)
    stale = await gql.run("mia", "StartInsight", input={"id": iid, "expectedVersion": 7})
    assert codes(stale) == ["version_mismatch"]
    hr = await gql.run("hanna", "StartInsight", input={"id": iid})
    assert codes(hr) == ["not_insight_manager"]
    frontline = await gql.run("anna", "Inbox")
    assert codes(frontline) == ["not_a_manager"]
    blank = await gql.run("mia", "DeclineInsight", input={"id": iid, "reason": "   "})
    assert codes(blank) == ["reason_required"]


async def test_failed_mutation_leaves_nothing_behind(gql: GraphQL) -> None:
    iid = await _post(gql)
    client_id = str(uuid.uuid4())
    # The action is stored and the first insight found before the second one is not.
    failed = await gql.run(
        "mia",
        "CreateAction",
        input={
            "clientId": client_id,
            "title": "Kylmäkaapin huolto",
            "insightIds": [iid, gid("Insight", uuid.uuid4())],
        },
    )
    assert codes(failed) == ["not_found"]

    assert (await gql.data("mia", "Action", id=gid("Action", client_id)))["action"] is None
    detail = (await gql.data("mia", "Insight", id=iid))["insight"]
    assert detail["status"] == "NEW"
    assert detail["actions"] == []
    assert [e["type"] for e in detail["timeline"]] == ["POSTED", "ROUTED"]


async def test_operation_with_an_error_rolls_back_its_other_mutations(gql: GraphQL) -> None:
    iid = await _post(gql)
    both = await gql.document(
        "mia",
        """
        mutation Both($id: ID!) {
          acknowledgeInsight(input: {id: $id}) { insight { status } }
          declineInsight(input: {id: $id, reason: " "}) { insight { status } }
        }
        """,
        {"id": iid},
    )
    assert codes(both) == ["reason_required"]

    detail = (await gql.data("mia", "Insight", id=iid))["insight"]
    assert detail["status"] == "NEW"
    assert "ACKNOWLEDGED" not in [e["type"] for e in detail["timeline"]]
    feed = (await gql.data("anna", "Notifications"))["notifications"]["edges"]
    assert [e["node"]["kind"] for e in feed] == []


async def test_input_errors_name_the_field(gql: GraphQL) -> None:
    blank = await gql.run("anna", "PostInsight", input={"kind": "IDEA", "text": "   "})
    error = blank["errors"][0]
    assert error["extensions"]["code"] == "validation_error"
    assert error["extensions"]["status"] == 422
    assert [e["location"] for e in error["extensions"]["errors"]] == [["text"]]

    no_insights = await gql.run("mia", "CreateAction", input={"title": "x", "insightIds": []})
    error = no_insights["errors"][0]
    assert error["extensions"]["code"] == "validation_error"
    assert [e["location"] for e in error["extensions"]["errors"]] == [["insightIds"]]

    unknown_stage = await gql.run(
        "anna", "PostInsight", input={"kind": "IDEA", "text": "Hei.", "journeyStage": "nope"}
    )
    assert codes(unknown_stage) == ["unknown_journey_stage"]


async def test_ids_must_be_global_ids_of_the_right_type(gql: GraphQL) -> None:
    iid = await _post(gql)
    for bad in ("not-an-id", gid("Action", uuid.uuid4()), "SW5zaWdodDpub3BlCg=="):
        result = await gql.run("mia", "AcknowledgeInsight", input={"id": bad})
        assert codes(result) == ["invalid_id"], bad
    assert codes(await gql.run("mia", "Node", id="garbage")) == ["invalid_id"]
    # A well-formed id of something `node` does not fetch finds nothing.
    person = gid("Person", gql.world.people["anna"].id)
    assert await gql.run("mia", "Node", id=person) == {"data": {"node": None}}
    found = (await gql.data("mia", "Node", id=iid))["node"]
    assert (found["__typename"], found["id"], found["status"]) == ("Insight", iid, "NEW")


async def test_query_and_variable_errors_are_the_clients(gql: GraphQL) -> None:
    unknown = await gql.document("anna", "query { nope }")
    assert codes(unknown) == ["invalid_query"]
    bad_uuid = await gql.run(
        "anna", "PostInsight", input={"kind": "IDEA", "text": "Hei.", "clientId": "x"}
    )
    assert codes(bad_uuid) == ["invalid_query"]
    assert "clientId" in bad_uuid["errors"][0]["message"]


async def test_unexpected_errors_reveal_nothing(
    gql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError('relation "people" does not exist: SELECT password_hash FROM people')

    monkeypatch.setattr(org_service, "taxonomy", broken)
    response = await gql.client.post(
        "/graphql",
        json={"query": "query { taxonomy { touchpoints { key } } }"},
        headers=await gql.world.auth("anna"),
    )
    assert response.status_code == 200
    body = response.json()
    # Anna reads Finnish; the message says only that the fault is ours.
    assert body["errors"][0]["message"] == "Jotain meni vikaan meidän päässämme."
    assert body["errors"][0]["extensions"] == {"code": "internal_error", "status": 500}
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text


async def test_failed_commit_is_an_internal_error(
    gql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await gql.world.auth("anna")

    async def refuse(self: AsyncSession) -> None:
        raise RuntimeError("could not serialize access: UPDATE insights SET status = 'new'")

    with monkeypatch.context() as patched:
        patched.setattr(AsyncSession, "commit", refuse)
        response = await gql.client.post(
            "/graphql",
            json={
                "query": operation("PostInsight"),
                "variables": {"input": {"kind": "IDEA", "text": "Tämä ei tallennu."}},
            },
            headers=headers,
        )
    assert response.json() == {
        "data": None,
        "errors": [
            {"message": "Internal error", "extensions": {"code": "internal_error", "status": 500}}
        ],
    }
    assert (await gql.data("anna", "MyInsights"))["myInsights"]["edges"] == []


async def test_two_refused_fields_leave_the_transaction_and_connection_sound(
    gql: GraphQL,
) -> None:
    """A colleague may read the insight but not its thread: both fields are refused, and
    GraphQL abandons the one still resolving. Its statement runs to the end all the same,
    so the connection stays usable (no 503) and the next request is answered."""
    posted = await gql.data("anna", "PostInsight", input={"kind": "IDEA", "text": "Kori."})
    iid = posted["postInsight"]["insight"]["id"]
    both = "query($id: ID!) { insight(id: $id) { id comments { id } timeline { id } } }"
    result = await gql.document("aku", both, {"id": iid})
    assert result["data"] == {"insight": None}
    assert set(codes(result)) == {"not_in_thread"}
    pages = "{ insights(first: 100) { edges { node { id comments { id } timeline { id } } } } }"
    assert set(codes(await gql.document("aku", pages, {}))) == {"not_in_thread"}
    again = await gql.document("aku", "query($id: ID!) { insight(id: $id) { id } }", {"id": iid})
    assert again["data"]["insight"]["id"] == iid
