"""The Query type: every read of the REST API, plus `node(id:)`."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from app.analytics import service as analytics_service
from app.analytics.schemas import MetricsBucket, MetricsGrouping, MetricsQuery
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import uuid_of
from app.gql.inputs import InsightFilter
from app.gql.relay import After, Connection, First, Node, connection, found
from app.gql.types import (
    Action,
    Insight,
    ListeningMetrics,
    Webhook,
)
from app.insights import service as insights_service
from app.insights.schemas import InsightFilters, InsightStatus
from app.insights.service import Scope
from app.notify.gql import Notification
from app.org.gql import find_unit
from app.platform.pagination import DEFAULT_PAGE_SIZE
from app.routing.gql import find_rule
from app.sync import changes as sync_changes
from app.webhooks import service as webhooks_service


async def _insight(info: Info, key: uuid.UUID) -> Insight | None:
    return await found(info.context.loaders.insight.load(key), Insight.of)


async def _action(info: Info, key: uuid.UUID) -> Action | None:
    return await found(info.context.loaders.action.load(key), Action.of)


async def _webhook(info: Info, key: uuid.UUID) -> Webhook | None:
    return await found(info.context.read(webhooks_service.get_webhook, key), Webhook.of)


async def _insights(
    info: Info, scope: Scope, filters: InsightFilters, first: int, after: str | None
) -> Connection[Insight]:
    page = await info.context.read(
        insights_service.list_insights, scope=scope, filters=filters, limit=first, cursor=after
    )
    return connection(page, Insight.of)


# The types `node(id:)` can fetch; an id of any other type finds nothing.
NODES: dict[str, Callable[[Info, uuid.UUID], Awaitable[Node | None]]] = {
    "Insight": _insight,
    "Action": _action,
    "Unit": find_unit,
    "RoutingRule": find_rule,
    "Webhook": _webhook,
}


def _filters(filter: InsightFilter | None) -> InsightFilters:
    return filter.to_model() if filter is not None else InsightFilters()


@strawberry.type
class Changes:
    insights: list[Insight] = strawberry.field(
        description="Your own insights that changed, as they are now; each once per page."
    )
    notifications: list[Notification] = strawberry.field(
        description="New notifications, oldest first."
    )
    next_cursor: str = strawberry.field(description="Ask with this next time.")
    has_more: bool = strawberry.field(description="More changes wait: ask again at once.")


@strawberry.type
class Query:
    @field("An insight; null when it is missing or out of your reach.")
    async def insight(self, info: Info, id: strawberry.ID) -> Insight | None:
        return await _insight(info, uuid_of("Insight", id))

    @field("An action; null when it is missing or out of your reach.")
    async def action(self, info: Info, id: strawberry.ID) -> Action | None:
        return await _action(info, uuid_of("Action", id))

    @field(
        "Insights routed to your units: overdue first, then newest; open ones "
        "unless the filter names statuses."
    )
    async def inbox(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: InsightFilter | None = None,
    ) -> Connection[Insight]:
        return await _insights(info, "inbox", _filters(filter), first, after)

    @field("Every insight you may read, newest first.")
    async def insights(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: InsightFilter | None = None,
    ) -> Connection[Insight]:
        return await _insights(info, "visible", _filters(filter), first, after)

    @field("Your own insights, newest first, with their actions and latest answer.")
    async def my_insights(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        status: list[InsightStatus] | None = None,
    ) -> Connection[Insight]:
        return await _insights(info, "mine", InsightFilters(status=status), first, after)

    @field(
        "What changed for you since `after`: your own insights as they are now and new "
        "notifications. Without `after`, from the beginning; keep `nextCursor`."
    )
    async def my_changes(self, info: Info, first: int = 50, after: After = None) -> Changes:
        found = await info.context.read(sync_changes.changes, cursor=after, limit=first)
        return Changes(
            insights=[Insight.of(i) for i in found.insights],
            notifications=[Notification.from_pydantic(n) for n in found.notifications],
            next_cursor=found.next_cursor,
            has_more=found.has_more,
        )

    @field(
        "Listening metrics of the insights posted in a unit's subtree during [from, to): by "
        "default your whole reading scope over the last 30 days (managers, HR, administrators)."
    )
    async def listening_metrics(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        group_by: list[MetricsGrouping] | None = None,
        bucket: MetricsBucket | None = None,
    ) -> ListeningMetrics:
        query = MetricsQuery(
            unit_id=uuid_of("Unit", unit_id) if unit_id is not None else None,
            start=from_,
            end=to,
            group_by=group_by or [],
            bucket=bucket,
        )
        return ListeningMetrics.of(
            await info.context.read(analytics_service.listening_metrics, query)
        )

    @field("Your organisation's webhooks (administrators).")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.of(w) for w in await info.context.read(webhooks_service.list_webhooks)]

    @field("A webhook; null when it is missing or another organisation's.")
    async def webhook(self, info: Info, id: strawberry.ID) -> Webhook | None:
        return await _webhook(info, uuid_of("Webhook", id))
