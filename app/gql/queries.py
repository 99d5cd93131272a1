"""The Query type: every read of the REST API, plus `node(id:)`."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from app.actions.gql import find_action
from app.analytics import service as analytics_service
from app.analytics.schemas import MetricsBucket, MetricsGrouping, MetricsQuery
from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import uuid_of
from app.gql.relay import After, Node, found
from app.gql.types import (
    ListeningMetrics,
    Webhook,
)
from app.insights.gql import find_insight
from app.insights.gql_types import Insight
from app.notify.gql import Notification
from app.org.gql import find_unit
from app.routing.gql import find_rule
from app.sync import changes as sync_changes
from app.webhooks import service as webhooks_service


async def _webhook(info: Info, key: uuid.UUID) -> Webhook | None:
    return await found(info.context.read(webhooks_service.get_webhook, key), Webhook.of)


# The types `node(id:)` can fetch; an id of any other type finds nothing.
NODES: dict[str, Callable[[Info, uuid.UUID], Awaitable[Node | None]]] = {
    "Insight": find_insight,
    "Action": find_action,
    "Unit": find_unit,
    "RoutingRule": find_rule,
    "Webhook": _webhook,
}


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
    @field(
        "What changed for you since `after`: your own insights as they are now and new "
        "notifications. Without `after`, from the beginning; keep `nextCursor`."
    )
    async def my_changes(self, info: Info, first: int = 50, after: After = None) -> Changes:
        found = await info.context.read(sync_changes.changes, cursor=after, limit=first)
        return Changes(
            insights=[Insight.from_pydantic(i) for i in found.insights],
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
