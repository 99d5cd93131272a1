"""Connections page with the service's cursors, and a page costs the same statements
however many items it holds."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from app.gql.ids import parse_global_id
from tests.attachments.files import jpeg_with_location
from tests.gql.client import GraphQL, codes, gid


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The SQL statements sent while the test runs."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection.sync_connection, "before_cursor_execute", record)


async def _post(gql: GraphQL, count: int) -> list[str]:
    ids = []
    for i in range(count):
        posted = await gql.data(
            "anna", "PostInsight", input={"kind": "IDEA", "text": f"Idea numero {i}."}
        )
        ids.append(posted["postInsight"]["insight"]["id"])
    return ids


async def test_inbox_pages_forward_with_the_service_cursor(gql: GraphQL) -> None:
    posted = await _post(gql, 3)
    first = (await gql.data("mia", "Inbox", first=2))["inbox"]
    assert [e["node"]["id"] for e in first["edges"]] == posted[:0:-1]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"][-1]["cursor"] == first["pageInfo"]["endCursor"]
    assert first["edges"][0]["cursor"] is None

    rest = (await gql.data("mia", "Inbox", first=2, after=first["pageInfo"]["endCursor"]))["inbox"]
    assert [e["node"]["id"] for e in rest["edges"]] == posted[:1]
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": None}

    assert codes(await gql.run("mia", "Inbox", after="bm9wZQ")) == ["invalid_cursor"]
    for size in (0, 101):
        assert codes(await gql.run("mia", "Inbox", first=size)) == ["invalid_page_size"]


async def _count(statements: list[str], gql: GraphQL, who: str, name: str) -> int:
    await gql.data(who, name)  # token keys and the like are loaded by now
    statements.clear()
    await gql.data(who, name)
    return len(statements)


@pytest.mark.parametrize(("who", "name"), [("mia", "Inbox"), ("anna", "MyInsights")])
async def test_page_cost_does_not_grow_with_its_items(
    who: str, name: str, gql: GraphQL, statements: list[str]
) -> None:
    ids = await _post(gql, 2)
    await gql.data("mia", "CreateAction", input={"title": "Toimenpide", "insightIds": ids})
    small = await _count(statements, gql, who, name)
    assert small > 0
    ids = await _post(gql, 4)
    await gql.data("mia", "CreateAction", input={"title": "Toinen", "insightIds": ids})
    assert await _count(statements, gql, who, name) == small


async def test_extra_data_is_fetched_once_per_object(gql: GraphQL, statements: list[str]) -> None:
    (iid,) = await _post(gql, 1)
    once = "query($id: ID!) { insight(id: $id) { timeline { id } comments { id } } }"
    twice = """
        query($id: ID!) {
          a: insight(id: $id) { timeline { id } comments { id } }
          b: insight(id: $id) { timeline { type } comments { body } actions { id } }
          c: node(id: $id) { ... on Insight { timeline { id } } }
        }
    """
    await gql.document("mia", once, {"id": iid})
    statements.clear()
    await gql.document("mia", once, {"id": iid})
    single = len(statements)
    assert single > 0
    statements.clear()
    result = await gql.document("mia", twice, {"id": iid})
    assert "errors" not in result, result
    assert len(statements) == single, statements


INBOX_WITH_FOLLOW_UP = """
query($first: Int) {
  inbox(first: $first) {
    edges { node { id text actions { id title } answers { id message } attachments { id } } }
  }
}
"""


async def _count_document(
    statements: list[str], gql: GraphQL, who: str, document: str, **variables: Any
) -> tuple[int, dict[str, Any]]:
    await gql.document(who, document, variables)  # token keys and the like are loaded by now
    statements.clear()
    result = await gql.document(who, document, variables)
    assert "errors" not in result, result["errors"]
    return len(statements), result["data"]


async def test_an_inbox_of_100_with_answers_actions_and_attachments_costs_what_10_cost(
    gql: GraphQL, client: httpx.AsyncClient, statements: list[str]
) -> None:
    """Every node asks for its actions, its answers and its attachments: the loaders batch
    each into one statement for the page, so a page of 100 costs what a page of 10 does."""
    # One offline batch: a hundred posts one by one would meet the rate limit.
    raw_ids = [uuid.uuid4() for _ in range(100)]
    batch = await client.post(
        "/api/v1/sync/batch",
        json={
            "items": [
                {"type": "insight", "id": str(i), "kind": "idea", "text": f"Idea numero {n}."}
                for n, i in enumerate(raw_ids)
            ]
        },
        headers=await gql.world.auth("anna"),
    )
    assert batch.status_code == 200
    ids = [gid("Insight", i) for i in raw_ids]
    mia = await gql.world.auth("mia")
    for chunk in (ids[:50], ids[50:]):
        await gql.data("mia", "CreateAction", input={"title": "Hyllyt", "insightIds": chunk})
    for iid in (ids[0], ids[-1]):
        await gql.data("mia", "TellReporter", input={"insightId": iid, "message": "Kiitos!"})
        _, raw = parse_global_id(iid)
        photo = await client.post(
            f"/api/v1/insights/{raw}/attachments",
            files={"file": ("hylly.jpg", jpeg_with_location(), "image/jpeg")},
            headers=mia,
        )
        assert photo.status_code == 201

    ten, page = await _count_document(statements, gql, "mia", INBOX_WITH_FOLLOW_UP, first=10)
    nodes = [e["node"] for e in page["inbox"]["edges"]]
    assert len(nodes) == 10 and all(n["actions"] for n in nodes)
    hundred, page = await _count_document(statements, gql, "mia", INBOX_WITH_FOLLOW_UP, first=100)
    nodes = [e["node"] for e in page["inbox"]["edges"]]
    assert len(nodes) == 100
    assert sum(len(n["answers"]) for n in nodes) == 2
    assert sum(len(n["attachments"]) for n in nodes) == 2
    assert hundred == ten
