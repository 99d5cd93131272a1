"""Webhooks in GraphQL: receivers of the organisation's timeline events (administrators)."""

import uuid
from datetime import datetime
from typing import Self

import strawberry

from app.gql.arguments import given
from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import global_id, uuid_of
from app.gql.relay import Node, found
from app.insights.schemas import EventType
from app.webhooks import service as webhooks_service
from app.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryState,
    WebhookCreate,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)


# Hand-written: REST does not describe `nextAttemptAt`.
@strawberry.type(description="One request made for a webhook delivery, or refused before it.")
class WebhookAttempt:
    attempt: int
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due; null once delivered or given up."
    )

    @classmethod
    def from_pydantic(cls, out: AttemptOut) -> Self:
        return cls(**out.model_dump())


# Hand-written: `messageId` is described unlike REST, and `id` is the plain uuid.
@strawberry.type(description="One timeline event for one webhook, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID
    message_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every retry, for deduplication."
    )
    event_type: str
    state: DeliveryState
    next_attempt_at: datetime | None
    created_at: datetime
    succeeded_at: datetime | None
    attempts: list[WebhookAttempt]

    @classmethod
    def from_pydantic(cls, out: DeliveryOut) -> Self:
        return cls(
            id=strawberry.ID(str(out.id)),
            message_id=out.message_id,
            event_type=out.event_type,
            state=out.state,
            next_attempt_at=out.next_attempt_at,
            created_at=out.created_at,
            succeeded_at=out.succeeded_at,
            attempts=[WebhookAttempt.from_pydantic(a) for a in out.attempts],
        )


# Hand-written: a Node, with `eventTypes` described unlike REST.
@strawberry.type(description="A receiver of the organisation's timeline events (administrators).")
class Webhook(Node):
    key: strawberry.Private[uuid.UUID]
    url: str
    description: str | None
    event_types: list[EventType] = strawberry.field(description="Empty: every type.")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_pydantic(cls, out: WebhookOut) -> Self:
        return cls(
            id=global_id("Webhook", out.id),
            key=out.id,
            url=out.url,
            description=out.description,
            event_types=out.event_types,
            active=out.active,
            created_at=out.created_at,
            updated_at=out.updated_at,
        )

    @field("The delivery log: recent deliveries, newest first, each with its attempts.")
    async def deliveries(self, info: Info, first: int = 50) -> list[WebhookDelivery]:
        deliveries = await info.context.read(
            webhooks_service.list_deliveries, self.key, limit=first
        )
        return [WebhookDelivery.from_pydantic(d) for d in deliveries]


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="An https URL.")
    description: str | None = strawberry.UNSET
    event_types: list[EventType] | None = strawberry.field(
        default=strawberry.UNSET, description="Left out or empty: every type."
    )
    active: bool | None = strawberry.UNSET

    def to_model(self) -> WebhookCreate:
        return WebhookCreate.model_validate(
            given(
                url=self.url,
                description=self.description,
                # null, like leaving it out, sends every type.
                event_types=strawberry.UNSET if self.event_types is None else self.event_types,
                active=self.active,
            )
        )


@strawberry.input(description="Only the fields sent change.")
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    event_types: list[EventType] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET

    def to_model(self) -> WebhookUpdate:
        return WebhookUpdate.model_validate(
            given(
                url=self.url,
                description=self.description,
                event_types=self.event_types,
                active=self.active,
            )
        )


@strawberry.input
class WebhookIdInput:
    id: strawberry.ID


# Hand-written: `secret` is described unlike REST.
@strawberry.type
class WebhookSecretPayload:
    webhook: Webhook
    secret: str = strawberry.field(
        description="`whsec_<base64>` for Standard Webhooks verification; shown only now."
    )

    @classmethod
    def from_pydantic(cls, out: WebhookSecretOut) -> Self:
        return cls(webhook=Webhook.from_pydantic(out.webhook), secret=out.secret)


@strawberry.type
class UpdateWebhookPayload:
    webhook: Webhook


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID


async def find_webhook(info: Info, key: uuid.UUID) -> Webhook | None:
    return await found(info.context.read(webhooks_service.get_webhook, key), Webhook.from_pydantic)


@strawberry.type
class WebhookQueries:
    @field("Your organisation's webhooks (administrators).")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [
            Webhook.from_pydantic(w)
            for w in await info.context.read(webhooks_service.list_webhooks)
        ]

    @field("A webhook; null when it is missing or another organisation's.")
    async def webhook(self, info: Info, id: strawberry.ID) -> Webhook | None:
        return await find_webhook(info, uuid_of("Webhook", id))


@strawberry.type
class WebhookMutations:
    @mutation("Subscribe a URL to timeline events (administrators); the secret is shown once.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookSecretPayload:
        created = await info.context.write(
            webhooks_service.create_webhook,
            input.to_model(),
            allow_loopback=info.context.runtime.settings.webhook_allow_loopback,
        )
        return WebhookSecretPayload.from_pydantic(created)

    @mutation("Change a webhook; while paused, events are not sent and earlier ones wait.")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> UpdateWebhookPayload:
        updated = await info.context.write(
            webhooks_service.update_webhook,
            uuid_of("Webhook", input.id),
            input.to_model(),
            allow_loopback=info.context.runtime.settings.webhook_allow_loopback,
        )
        return UpdateWebhookPayload(webhook=Webhook.from_pydantic(updated))

    @mutation("Replace a webhook's signing secret at once; the new one is shown only now.")
    async def rotate_webhook_secret(
        self, info: Info, input: WebhookIdInput
    ) -> WebhookSecretPayload:
        rotated = await info.context.write(
            webhooks_service.rotate_secret, uuid_of("Webhook", input.id)
        )
        return WebhookSecretPayload.from_pydantic(rotated)

    @mutation("Remove a webhook with its delivery log.")
    async def delete_webhook(self, info: Info, input: WebhookIdInput) -> DeleteWebhookPayload:
        await info.context.write(webhooks_service.delete_webhook, uuid_of("Webhook", input.id))
        return DeleteWebhookPayload(deleted_id=input.id)
