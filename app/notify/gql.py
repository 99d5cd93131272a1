"""Notifications in GraphQL: the caller's in-app notices."""

from datetime import datetime
from typing import Self

import strawberry
from strawberry.experimental import pydantic as derived
from strawberry.scalars import JSON

from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id, uuid_of
from app.gql.relay import After, Connection, First, connection
from app.notify import service as notify_service
from app.notify.schemas import NotificationKind, NotificationOut, ReadAllOut
from app.platform.pagination import DEFAULT_PAGE_SIZE


# Hand-written: derived, the global `insightId` would move to the front of the type.
@strawberry.type(description="An in-app notice, in the reader's language.")
class Notification:
    id: strawberry.ID
    kind: NotificationKind
    title: str
    body: str
    insight_id: strawberry.ID | None
    data: JSON
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def from_pydantic(cls, out: NotificationOut) -> Self:
        return cls(
            id=global_id("Notification", out.id),
            kind=out.kind,
            title=out.title,
            body=out.body,
            insight_id=global_id("Insight", out.insight_id) if out.insight_id else None,
            data=JSON(out.data),
            created_at=out.created_at,
            read_at=out.read_at,
        )


@strawberry.input
class MarkNotificationReadInput:
    id: strawberry.ID


@strawberry.type
class MarkNotificationReadPayload:
    notification: Notification


@derived.type(ReadAllOut, all_fields=True)
class MarkAllNotificationsReadPayload:
    pass


@strawberry.type
class NotifyQueries:
    @field("Your notifications, newest first, in your language.")
    async def notifications(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        unread_only: bool = False,
    ) -> Connection[Notification]:
        page = await info.context.read(
            notify_service.list_notifications,
            unread_only=unread_only,
            limit=first,
            cursor=after,
        )
        return connection(page, Notification.from_pydantic)


@strawberry.type
class NotifyMutations:
    @strawberry.mutation
    async def mark_notification_read(
        self, info: Info, input: MarkNotificationReadInput
    ) -> MarkNotificationReadPayload:
        notification = await info.context.write(
            notify_service.mark_read, uuid_of("Notification", input.id)
        )
        return MarkNotificationReadPayload(notification=Notification.from_pydantic(notification))

    @strawberry.mutation
    async def mark_all_notifications_read(self, info: Info) -> MarkAllNotificationsReadPayload:
        return MarkAllNotificationsReadPayload.from_pydantic(
            await info.context.write(notify_service.mark_all_read)
        )
