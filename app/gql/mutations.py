"""The Mutation type: every change of the REST API, each taking an input and returning a payload."""

import strawberry

from app.gql.context import Info
from app.gql.fields import mutation
from app.gql.ids import uuid_of
from app.gql.inputs import CreateWebhookInput, UpdateWebhookInput, WebhookIdInput
from app.gql.types import Webhook
from app.webhooks import service as webhooks_service
from app.webhooks.schemas import WebhookSecretOut


@strawberry.type
class WebhookSecretPayload:
    webhook: Webhook
    secret: str = strawberry.field(
        description="`whsec_<base64>` for Standard Webhooks verification; shown only now."
    )

    @classmethod
    def of(cls, out: WebhookSecretOut) -> "WebhookSecretPayload":
        return cls(webhook=Webhook.of(out.webhook), secret=out.secret)


@strawberry.type
class UpdateWebhookPayload:
    webhook: Webhook


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID


@strawberry.type
class Mutation:
    @mutation("Subscribe a URL to timeline events (administrators); the secret is shown once.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookSecretPayload:
        created = await info.context.write(
            webhooks_service.create_webhook,
            input.to_model(),
            allow_loopback=info.context.runtime.settings.webhook_allow_loopback,
        )
        return WebhookSecretPayload.of(created)

    @mutation("Change a webhook; while paused, events are not sent and earlier ones wait.")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> UpdateWebhookPayload:
        updated = await info.context.write(
            webhooks_service.update_webhook,
            uuid_of("Webhook", input.id),
            input.to_model(),
            allow_loopback=info.context.runtime.settings.webhook_allow_loopback,
        )
        return UpdateWebhookPayload(webhook=Webhook.of(updated))

    @mutation("Replace a webhook's signing secret at once; the new one is shown only now.")
    async def rotate_webhook_secret(
        self, info: Info, input: WebhookIdInput
    ) -> WebhookSecretPayload:
        rotated = await info.context.write(
            webhooks_service.rotate_secret, uuid_of("Webhook", input.id)
        )
        return WebhookSecretPayload.of(rotated)

    @mutation("Remove a webhook with its delivery log.")
    async def delete_webhook(self, info: Info, input: WebhookIdInput) -> DeleteWebhookPayload:
        await info.context.write(webhooks_service.delete_webhook, uuid_of("Webhook", input.id))
        return DeleteWebhookPayload(deleted_id=input.id)
