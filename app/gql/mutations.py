"""The Mutation type: every change of the REST API, each taking an input and returning a payload."""

import strawberry

from app.actions import service as actions_service
from app.gql.context import Info
from app.gql.fields import mutation
from app.gql.ids import uuid_of
from app.gql.inputs import (
    AcknowledgeCommunicationInput,
    AcknowledgeInsightInput,
    AddCommentInput,
    AssignInsightInput,
    CreateActionInput,
    CreateWebhookInput,
    DeclineInsightInput,
    EndorseInsightInput,
    EraseCustomerContactInput,
    LinkActionInsightsInput,
    MergeInsightsInput,
    PostInsightInput,
    ResolveInsightInput,
    StartInsightInput,
    TellReporterInput,
    TriageInsightsInput,
    UpdateActionInput,
    UpdateCustomerLoopInput,
    UpdateWebhookInput,
    WebhookIdInput,
    expected,
)
from app.gql.types import (
    Action,
    Comment,
    Communication,
    CustomerContact,
    Endorsement,
    Insight,
    TriageInsightsPayload,
    Webhook,
)
from app.insights import service as insights_service
from app.insights.schemas import InsightStatus
from app.loop import service as loop_service
from app.webhooks import service as webhooks_service
from app.webhooks.schemas import WebhookSecretOut


@strawberry.type
class PostInsightPayload:
    insight: Insight
    created: bool = strawberry.field(
        description="False when an insight with this client id was already posted."
    )


@strawberry.type
class AcknowledgeInsightPayload:
    insight: Insight


@strawberry.type
class StartInsightPayload:
    insight: Insight


@strawberry.type
class ResolveInsightPayload:
    insight: Insight


@strawberry.type
class DeclineInsightPayload:
    insight: Insight


@strawberry.type
class AddCommentPayload:
    comment: Comment


@strawberry.type
class CreateActionPayload:
    action: Action


@strawberry.type
class UpdateActionPayload:
    action: Action


@strawberry.type
class LinkActionInsightsPayload:
    action: Action


@strawberry.type
class TellReporterPayload:
    communication: Communication


@strawberry.type
class AcknowledgeCommunicationPayload:
    communication: Communication


@strawberry.type
class AssignInsightPayload:
    insight: Insight


@strawberry.type
class EndorseInsightPayload:
    endorsement: Endorsement
    created: bool = strawberry.field(description="False when you had already backed it.")


@strawberry.type
class MergeInsightsPayload:
    insight: Insight = strawberry.field(description="The parent, with the duplicates folded in.")


@strawberry.type
class EraseCustomerContactPayload:
    insight: Insight


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
class UpdateCustomerLoopPayload:
    customer_contact: CustomerContact


async def _move(
    info: Info,
    id: strawberry.ID,
    target: InsightStatus,
    version: int | None,
    note: str | None = None,
) -> Insight:
    detail = await info.context.write(
        insights_service.change_status,
        uuid_of("Insight", id),
        target,
        note=note,
        expected_version=expected(version),
    )
    return Insight.of(detail)


@strawberry.type
class Mutation:
    @mutation("Post an insight; it goes to the managers of the nearest unit that has any.")
    async def post_insight(self, info: Info, input: PostInsightInput) -> PostInsightPayload:
        insight, created = await info.context.write(
            insights_service.create_insight, input.to_model()
        )
        return PostInsightPayload(insight=Insight.of(insight), created=created)

    @mutation("Tell the reporter their insight was seen and is owned.")
    async def acknowledge_insight(
        self, info: Info, input: AcknowledgeInsightInput
    ) -> AcknowledgeInsightPayload:
        insight = await _move(info, input.id, InsightStatus.ACKNOWLEDGED, input.expected_version)
        return AcknowledgeInsightPayload(insight=insight)

    @strawberry.mutation
    async def start_insight(self, info: Info, input: StartInsightInput) -> StartInsightPayload:
        insight = await _move(info, input.id, InsightStatus.IN_PROGRESS, input.expected_version)
        return StartInsightPayload(insight=insight)

    @strawberry.mutation
    async def resolve_insight(
        self, info: Info, input: ResolveInsightInput
    ) -> ResolveInsightPayload:
        resolution = input.to_model().resolution
        insight = await _move(
            info, input.id, InsightStatus.RESOLVED, input.expected_version, resolution
        )
        return ResolveInsightPayload(insight=insight)

    @strawberry.mutation
    async def decline_insight(
        self, info: Info, input: DeclineInsightInput
    ) -> DeclineInsightPayload:
        reason = input.to_model().reason
        insight = await _move(
            info, input.id, InsightStatus.DECLINED, input.expected_version, reason
        )
        return DeclineInsightPayload(insight=insight)

    @mutation(
        "Add to the thread between the reporter and the managers (a confidential "
        "reporter stays unnamed)."
    )
    async def add_comment(self, info: Info, input: AddCommentInput) -> AddCommentPayload:
        comment = await info.context.write(
            insights_service.add_comment, uuid_of("Insight", input.insight_id), input.to_model()
        )
        return AddCommentPayload(comment=Comment.of(comment))

    @mutation("Record an action on one or more insights you manage.")
    async def create_action(self, info: Info, input: CreateActionInput) -> CreateActionPayload:
        action = await info.context.write(actions_service.create_action, input.to_model())
        return CreateActionPayload(action=Action.of(action))

    @mutation("Change status, outcome, due date or owner. Marking it done needs an outcome.")
    async def update_action(self, info: Info, input: UpdateActionInput) -> UpdateActionPayload:
        action = await info.context.write(
            actions_service.update_action, uuid_of("Action", input.id), input.to_model()
        )
        return UpdateActionPayload(action=Action.of(action))

    @strawberry.mutation
    async def link_action_insights(
        self, info: Info, input: LinkActionInsightsInput
    ) -> LinkActionInsightsPayload:
        action = await info.context.write(
            actions_service.link_insights, uuid_of("Action", input.action_id), input.to_model()
        )
        return LinkActionInsightsPayload(action=Action.of(action))

    @mutation(
        "Tell the reporter what was done (the reporters of merged duplicates too); on a "
        "resolved or declined insight this closes the loop and tells those who backed it. "
        "With audience CUSTOMER, tell the customer through their consented contact."
    )
    async def tell_reporter(self, info: Info, input: TellReporterInput) -> TellReporterPayload:
        answer = await info.context.write(
            loop_service.communicate,
            uuid_of("Insight", input.insight_id),
            input.to_model(),
            channel=info.context.runtime.customer_channel,
        )
        return TellReporterPayload(communication=Communication.of(answer))

    @mutation("As the reporter, confirm you have read the answer.")
    async def acknowledge_communication(
        self, info: Info, input: AcknowledgeCommunicationInput
    ) -> AcknowledgeCommunicationPayload:
        answer = await info.context.write(
            loop_service.acknowledge_answer, uuid_of("Communication", input.id)
        )
        return AcknowledgeCommunicationPayload(communication=Communication.of(answer))

    @mutation("Hand an open insight to the managers of another unit, with fresh deadlines.")
    async def assign_insight(self, info: Info, input: AssignInsightInput) -> AssignInsightPayload:
        detail = await info.context.write(
            insights_service.assign_insight,
            uuid_of("Insight", input.id),
            input.to_model(),
            expected_version=expected(input.expected_version),
        )
        return AssignInsightPayload(insight=Insight.of(detail))

    @mutation(
        "Acknowledge, assign or decline up to 100 insights. Each succeeds or fails on its own "
        "and says so in `results`; failures are not GraphQL errors."
    )
    async def triage_insights(
        self, info: Info, input: TriageInsightsInput
    ) -> TriageInsightsPayload:
        result = await info.context.write(insights_service.triage, input.to_model())
        return TriageInsightsPayload.of(result)

    @mutation('"I see this too": back a colleague\'s insight from your unit. Once per person.')
    async def endorse_insight(
        self, info: Info, input: EndorseInsightInput
    ) -> EndorseInsightPayload:
        endorsement, created = await info.context.write(
            insights_service.endorse, uuid_of("Insight", input.insight_id), input.to_model()
        )
        return EndorseInsightPayload(endorsement=Endorsement.of(endorsement), created=created)

    @mutation(
        "Fold duplicates into an insight: they leave the inboxes and follow it, and their "
        "reporters, endorsers and customers are answered with it."
    )
    async def merge_insights(self, info: Info, input: MergeInsightsInput) -> MergeInsightsPayload:
        insight = await info.context.write(
            insights_service.merge_insights, uuid_of("Insight", input.parent_id), input.to_model()
        )
        return MergeInsightsPayload(insight=Insight.of(insight))

    @mutation("Erase the customer's name and address for good, on request; the insight stays.")
    async def erase_customer_contact(
        self, info: Info, input: EraseCustomerContactInput
    ) -> EraseCustomerContactPayload:
        insight_id = uuid_of("Insight", input.insight_id)
        await info.context.write(loop_service.erase_customer_contact, insight_id)
        insight = await info.context.read(insights_service.get_insight, insight_id)
        return EraseCustomerContactPayload(insight=Insight.of(insight))

    @mutation("Choose who tells the customer (a manager of the insight) and by when.")
    async def update_customer_loop(
        self, info: Info, input: UpdateCustomerLoopInput
    ) -> UpdateCustomerLoopPayload:
        contact = await info.context.write(
            loop_service.update_customer_loop,
            uuid_of("Insight", input.insight_id),
            input.to_model(),
        )
        return UpdateCustomerLoopPayload(customer_contact=CustomerContact.of(contact))

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
