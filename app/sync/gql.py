"""The mobile client's change feed in GraphQL: what changed for the caller since a cursor."""

from typing import Self

import strawberry

from app.gql.context import Info
from app.gql.fields import field
from app.gql.relay import After
from app.insights.gql_types import Insight
from app.notify.gql import Notification
from app.sync import changes as sync_changes
from app.sync.schemas import ChangesOut


# Hand-written: its descriptions are not those of REST's ChangesOut.
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

    @classmethod
    def from_pydantic(cls, out: ChangesOut) -> Self:
        return cls(
            insights=[Insight.from_pydantic(i) for i in out.insights],
            notifications=[Notification.from_pydantic(n) for n in out.notifications],
            next_cursor=out.next_cursor,
            has_more=out.has_more,
        )


@strawberry.type
class SyncQueries:
    @field(
        "What changed for you since `after`: your own insights as they are now and new "
        "notifications. Without `after`, from the beginning; keep `nextCursor`."
    )
    async def my_changes(self, info: Info, first: int = 50, after: After = None) -> Changes:
        return Changes.from_pydantic(
            await info.context.read(sync_changes.changes, cursor=after, limit=first)
        )
