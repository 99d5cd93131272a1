"""GraphQL at /graphql over the same service layer as REST.

Unauthenticated requests are answered with HTTP 200 and a GraphQL error per field, with
`extensions.code` `missing_token`, `invalid_token` or `unknown_subject` (status 401), the
codes REST uses.

Introspection, "did you mean" suggestions in errors and the IDE are off unless enabled
(INSIGHT_GRAPHQL_INTROSPECTION, INSIGHT_GRAPHQL_FIELD_SUGGESTIONS, INSIGHT_GRAPHQL_IDE): the
published schema is graphql/schema.graphql, and a production server should not teach a
stranger its fields. Introspection needs no token when it is on.
"""

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from app.actions.gql import ActionMutations, ActionQueries, find_action
from app.analytics.gql import AnalyticsQueries, LinkageQueries
from app.gql.context import Context, Info, Transaction, context_getter
from app.gql.documents import Documents
from app.gql.errors import present
from app.gql.fields import field
from app.gql.ids import parse_global_id
from app.gql.input_text import RefuseNulCharacters
from app.gql.relay import Node
from app.gql.transport import StrictGraphQLRouter
from app.insights.gql import InsightMutations, InsightQueries, find_insight
from app.loop.gql import LoopMutations
from app.notify.gql import NotifyMutations, NotifyQueries
from app.org.gql import OrgQueries, find_unit
from app.outcomes.gql import OutcomeMutations, OutcomeQueries
from app.platform.i18n import DEFAULT
from app.platform.settings import Settings
from app.routing.gql import RoutingMutations, RoutingQueries, find_rule
from app.surveys.gql import SurveyMutations, SurveyQueries, find_survey, find_wave
from app.sync.gql import SyncQueries
from app.themes.gql import ThemeMutations, ThemeQueries, find_theme
from app.webhooks.gql import WebhookMutations, WebhookQueries, find_webhook

# Generous for any real client operation, small enough to refuse floods of fields or tokens.
MAX_ALIASES = 15
MAX_TOKENS = 2000


# The types `node(id:)` can fetch; an id of any other type finds nothing.
NODES: dict[str, Callable[[Info, uuid.UUID], Awaitable[Node | None]]] = {
    "Insight": find_insight,
    "Action": find_action,
    "Unit": find_unit,
    "RoutingRule": find_rule,
    "Webhook": find_webhook,
    "Theme": find_theme,
    "Survey": find_survey,
    "Wave": find_wave,
}


@strawberry.type
class NodeQueries:
    @field(
        "The object with this global id; null when it is missing or out of your "
        "reach, which look the same on purpose."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, key = parse_global_id(id)
        fetch = NODES.get(type_name)
        return await fetch(info, key) if fetch is not None else None


def _root(name: str, parts: tuple[type, ...], order: Sequence[str]) -> type:
    """One root type from the domains' parts, its fields in the published order."""
    root = merge_types(name, parts)
    definition = get_object_definition(root, strict=True)
    fields = {f.python_name: f for f in definition.fields}
    if len(order) != len(fields) or set(order) != set(fields):
        unplaced = sorted(set(fields).symmetric_difference(order))
        raise RuntimeError(f"{name}: name each of its fields once in its order: {unplaced}")
    definition.fields = [fields[python_name] for python_name in order]
    return root


# The order of the published contract, graphql/schema.graphql: a new field goes at the end.
Query = _root(
    "Query",
    (
        NodeQueries,
        InsightQueries,
        ActionQueries,
        OrgQueries,
        SyncQueries,
        NotifyQueries,
        RoutingQueries,
        AnalyticsQueries,
        WebhookQueries,
        ThemeQueries,
        SurveyQueries,
        LinkageQueries,
        OutcomeQueries,
    ),
    (
        "node",
        "insight",
        "action",
        "unit",
        "inbox",
        "insights",
        "my_insights",
        "my_changes",
        "notifications",
        "me",
        "units",
        "routing_rules",
        "routing_rule",
        "taxonomy",
        "listening_metrics",
        "webhooks",
        "webhook",
        "themes",
        "theme",
        "theme_runs",
        "theme_settings",
        "similar_to_text",
        "theme_reach",
        "theme_priorities",
        "journey_matrix",
        "theme_status_times",
        "surveys",
        "open_waves",
        "wave_results",
        "wave_comments",
        "wave_response_rates",
        "survey_settings",
        "linkage",
        "linkage_drivers",
        "imports",
    ),
)
Mutation = _root(
    "Mutation",
    (
        InsightMutations,
        ActionMutations,
        LoopMutations,
        NotifyMutations,
        RoutingMutations,
        WebhookMutations,
        ThemeMutations,
        SurveyMutations,
        OutcomeMutations,
    ),
    (
        "post_insight",
        "acknowledge_insight",
        "start_insight",
        "resolve_insight",
        "decline_insight",
        "add_comment",
        "create_action",
        "update_action",
        "link_action_insights",
        "tell_reporter",
        "acknowledge_communication",
        "mark_communication_delivered",
        "mark_notification_read",
        "mark_all_notifications_read",
        "assign_insight",
        "triage_insights",
        "create_routing_rule",
        "update_routing_rule",
        "delete_routing_rule",
        "reorder_routing_rules",
        "endorse_insight",
        "merge_insights",
        "erase_customer_contact",
        "update_customer_loop",
        "create_webhook",
        "update_webhook",
        "rotate_webhook_secret",
        "delete_webhook",
        "rename_theme",
        "merge_themes",
        "split_theme",
        "move_insight_to_theme",
        "start_theme_run",
        "create_survey",
        "open_wave",
        "close_wave",
        "answer_survey",
        "import_outcomes",
        "delete_import",
    ),
)


# graphql-core's hint appended to validation errors: ' Did you mean "inbox"?'.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class InsightSchema(strawberry.Schema):
    # Whether errors may suggest names of the schema's fields, types and arguments.
    field_suggestions = False

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Every error of every result passes here exactly once, in the list the result
        # carries, whichever stage it came from: rewriting that list is the one place where
        # no stack trace or SQL can slip past.
        context = execution_context.context if execution_context else None
        if not self.field_suggestions:
            for error in errors:
                error.message = _SUGGESTION.sub("", error.message)
        present(errors, context.locale if isinstance(context, Context) else DEFAULT)


def build_schema(
    max_depth: int, *, introspection: bool = False, field_suggestions: bool = False
) -> strawberry.Schema:
    extensions: list[Any] = [
        partial(QueryDepthLimiter, max_depth=max_depth),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        RefuseNulCharacters,
        # After the checks of the request itself, which run whether or not its document
        # was parsed and validated before.
        Documents().extension(),
        Transaction,
    ]
    if not introspection:
        extensions.insert(0, DisableIntrospection)
    built = InsightSchema(query=Query, mutation=Mutation, extensions=extensions)
    built.field_suggestions = field_suggestions
    return built


# The schema as the default settings serve it; its printed form is graphql/schema.graphql.
schema = build_schema(Settings.model_fields["graphql_max_depth"].default)


def graphql_router(settings: Settings) -> GraphQLRouter[Any, Any]:
    return StrictGraphQLRouter(
        build_schema(
            settings.graphql_max_depth,
            introspection=settings.graphql_introspection,
            field_suggestions=settings.graphql_field_suggestions,
        ),
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphql_ide else None,
        # Nothing is pushed to clients: GraphQL is served over HTTP only.
        subscription_protocols=(),
        max_json_depth=settings.max_json_depth,
    )
