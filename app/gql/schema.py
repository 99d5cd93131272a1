"""GraphQL at /graphql over the same service layer as REST."""

from typing import Any

import strawberry
from strawberry.fastapi import GraphQLRouter

from app.settings import Settings


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


schema = strawberry.Schema(query=Query)


def graphql_router(settings: Settings) -> GraphQLRouter[Any, Any]:
    return GraphQLRouter(schema, graphql_ide="graphiql" if settings.graphql_ide else None)
