"""Abusive documents are refused before anything runs; the IDE is served only when enabled."""

import httpx

from app.gql.schema import MAX_ALIASES, MAX_TOKENS
from app.main import create_app
from app.runtime import Runtime
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
