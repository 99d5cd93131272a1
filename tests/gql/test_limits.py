"""Abusive documents are refused before anything runs; the IDE is served only when enabled."""

from typing import Any

import httpx

from app.gql.schema import MAX_ALIASES, MAX_TOKENS
from app.main import create_app
from app.platform.settings import Settings
from app.web.runtime import Runtime
from tests.gql.client import GraphQL, codes


def _parents(depth: int) -> str:
    return "query { units { " + "parent { " * depth + "id" + " }" * depth + " } }"


async def test_depth_limit(gql: GraphQL) -> None:
    max_depth = gql.world.runtime.settings.graphql_max_depth
    within = await gql.document("mia", _parents(max_depth - 2))
    assert "errors" not in within, within

    deep = await gql.document("mia", _parents(max_depth))
    assert deep["data"] is None
    assert codes(deep) == ["invalid_query"]
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]


async def test_alias_limit(gql: GraphQL) -> None:
    aliases = " ".join(f"a{i}: me {{ email }}" for i in range(MAX_ALIASES + 1))
    flood = await gql.document("mia", f"query {{ {aliases} }}")
    assert flood["data"] is None
    assert codes(flood) == ["invalid_query"]
    assert "aliases" in flood["errors"][0]["message"]


async def test_token_limit(gql: GraphQL) -> None:
    fields = " ".join(["__typename"] * MAX_TOKENS)
    flood = await gql.document("mia", f"query {{ {fields} }}")
    assert flood["data"] is None
    assert codes(flood) == ["invalid_query"]
    assert "tokens" in flood["errors"][0]["message"]


async def test_ide_only_when_enabled(runtime: Runtime) -> None:
    for enabled, status in ((True, 200), (False, 404)):
        settings = runtime.settings.model_copy(update={"graphql_ide": enabled})
        app = create_app(settings, runtime)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == status


async def _post(runtime: Runtime, query: str, **settings: bool) -> dict[str, Any]:
    runtime.settings = runtime.settings.model_copy(update=settings)
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.post("/graphql", json={"query": query})
    result: dict[str, Any] = response.json()
    return result


INTROSPECTION = "query { __schema { queryType { name } } }"


async def test_introspection_only_when_enabled(runtime: Runtime) -> None:
    refused = await _post(runtime, INTROSPECTION)
    assert refused["data"] is None
    assert set(codes(refused)) == {"invalid_query"}
    assert "introspection has been disabled" in refused["errors"][0]["message"]
    allowed = await _post(runtime, INTROSPECTION, graphql_introspection=True)
    # The schema is public once introspection is on: it needs no token.
    assert allowed == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_field_suggestions_only_when_enabled(runtime: Runtime) -> None:
    typo = "query { inbx { edges { cursor } } }"
    quiet = await _post(runtime, typo)
    assert codes(quiet) == ["invalid_query"]
    assert quiet["errors"][0]["message"] == "Cannot query field 'inbx' on type 'Query'."
    assert "inbox" not in str(quiet)
    hinted = await _post(runtime, typo, graphql_field_suggestions=True)
    assert "Did you mean 'inbox'" in hinted["errors"][0]["message"]


def test_production_defaults() -> None:
    defaults = Settings(database_url="postgresql://unused/db")
    assert not defaults.graphql_ide
    assert not defaults.graphql_introspection
    assert not defaults.graphql_field_suggestions


async def test_aliases_in_fragments_count_once_per_spread(gql: GraphQL) -> None:
    per_fragment = MAX_ALIASES // 3 + 1
    aliases = " ".join(f"a{i}: email" for i in range(per_fragment))
    spreads = " ".join(f"m{i}: me {{ ...Many }}" for i in range(3))
    flood = await gql.document("mia", f"query {{ {spreads} }} fragment Many on Me {{ {aliases} }}")
    assert flood["data"] is None
    assert codes(flood) == ["invalid_query"]
    assert "aliases" in flood["errors"][0]["message"]


async def test_a_batch_of_operations_is_refused(gql: GraphQL) -> None:
    headers = await gql.world.auth("mia")
    batch = [{"query": "query { me { email } }"}] * 50
    response = await gql.client.post("/graphql", json=batch, headers=headers)
    assert response.status_code == 400
