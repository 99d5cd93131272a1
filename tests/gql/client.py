"""Runs the client operations in graphql/operations, by name, as a given person."""

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.gql.ids import global_id
from tests.factories import World

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def gid(type_name: str, raw: uuid.UUID | str) -> str:
    return str(global_id(type_name, uuid.UUID(str(raw))))


def codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


@dataclass
class GraphQL:
    client: httpx.AsyncClient
    world: World

    async def document(
        self, who: str | None, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The whole response body: `data` and, when something failed, `errors`."""
        headers = await self.world.auth(who) if who else {}
        response = await self.client.post(
            "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def run(self, who: str | None, name: str, **variables: Any) -> dict[str, Any]:
        """The response to operation `name` from graphql/operations."""
        return await self.document(who, operation(name), variables)

    async def data(self, who: str | None, name: str, **variables: Any) -> dict[str, Any]:
        """The data of operation `name`, which must succeed."""
        result = await self.run(who, name, **variables)
        assert "errors" not in result, result["errors"]
        data: dict[str, Any] = result["data"]
        return data
