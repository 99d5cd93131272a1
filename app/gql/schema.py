"""GraphQL at /graphql over the same service layer as REST.

Unauthenticated requests are answered with HTTP 200 and a GraphQL error per field, with
`extensions.code` `missing_token`, `invalid_token` or `unknown_subject` (status 401), the
codes REST uses; introspection needs no token, as the schema is public.
"""

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionContext

from app.gql.context import Transaction, context_getter
from app.gql.errors import present
from app.gql.mutations import Mutation
from app.gql.queries import Query
from app.settings import Settings

# Generous for any real client operation, small enough to refuse floods of fields or tokens.
MAX_ALIASES = 15
MAX_TOKENS = 2000


class InsightSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Every error of every result passes here exactly once, in the list the result
        # carries, whichever stage it came from: rewriting that list is the one place where
        # no stack trace or SQL can slip past.
        present(errors)


def build_schema(max_depth: int) -> strawberry.Schema:
    return InsightSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            partial(QueryDepthLimiter, max_depth=max_depth),
            partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            Transaction,
        ],
    )


# The schema as the default settings serve it; its printed form is graphql/schema.graphql.
schema = build_schema(Settings.model_fields["graphql_max_depth"].default)


def graphql_router(settings: Settings) -> GraphQLRouter[Any, Any]:
    return GraphQLRouter(
        build_schema(settings.graphql_max_depth),
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphql_ide else None,
        # Nothing is pushed to clients: GraphQL is served over HTTP only.
        subscription_protocols=(),
    )
