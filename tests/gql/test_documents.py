"""A document that parsed and validated cleanly is reused by its text; nothing about the
request is: its variables are checked each time, and a document with errors is never kept."""

import pytest
from graphql import DocumentNode, parse

from app.gql.documents import Documents
from tests.gql.client import GraphQL, codes, operation


def _parents(depth: int) -> str:
    return "query { units { " + "parent { " * depth + "id" + " }" * depth + " } }"


@pytest.fixture
def reused(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the documents taken from a cache while the test runs."""
    found: list[str] = []
    original = Documents.get

    def get(self: Documents, query: str) -> DocumentNode | None:
        document = original(self, query)
        if document is not None:
            found.append(query)
        return document

    monkeypatch.setattr(Documents, "get", get)
    return found


async def test_a_clean_operation_is_parsed_and_validated_once(
    gql: GraphQL, reused: list[str]
) -> None:
    first = await gql.data("mia", "Inbox", first=5)
    assert reused.count(operation("Inbox")) <= 1  # another test may have kept it already
    reused.clear()
    again = await gql.data("mia", "Inbox", first=5)
    assert reused == [operation("Inbox")]
    assert again == first


async def test_variables_are_checked_on_a_reused_document(gql: GraphQL, reused: list[str]) -> None:
    posted = await gql.data("anna", "PostInsight", input={"kind": "IDEA", "text": "Hyvä idea."})
    assert posted["postInsight"]["created"] is True
    refused = await gql.run("anna", "PostInsight", input={"kind": "IDEA", "text": "a\x00b"})
    assert operation("PostInsight") in reused
    assert codes(refused) == ["validation_error"]
    assert refused["data"] is None
    wrong_type = await gql.run("anna", "PostInsight", input={"kind": "IDEA", "text": 7})
    assert codes(wrong_type)


async def test_a_document_with_errors_is_validated_every_time(
    gql: GraphQL, reused: list[str]
) -> None:
    document = "query { inbox(first: 5) { edges { node { id noSuchField } } } }"
    for _ in range(2):
        result = await gql.document("mia", document)
        assert result.get("errors"), result
        assert "data" not in result or result["data"] is None
    assert document not in reused


async def test_the_limits_hold_for_documents_seen_before(gql: GraphQL) -> None:
    max_depth = gql.world.runtime.settings.graphql_max_depth
    deep = _parents(max_depth)
    within = _parents(max_depth - 2)
    for _ in range(2):
        assert "errors" not in await gql.document("mia", within)
        result = await gql.document("mia", deep)
        assert codes(result) == ["invalid_query"]
        assert "exceeds maximum operation depth" in result["errors"][0]["message"]


def test_the_cache_is_bounded_in_documents_and_in_text() -> None:
    documents = Documents(max_documents=2, max_chars=40)
    texts = ["{ a }", "{ b }", "{ c }"]
    for text in texts:
        documents.keep(text, parse(text))
    assert len(documents) == 2
    assert documents.get("{ a }") is None
    assert documents.get("{ b }") is not None
    # "{ b }" was used last: "{ c }" goes first.
    documents.keep("{ d }", parse("{ d }"))
    assert documents.get("{ c }") is None
    assert documents.get("{ b }") is not None
    long = "{ " + "x " * 30 + "}"
    documents.keep(long, parse(long))
    assert documents.get(long) is None
