"""The loop in GraphQL: telling the reporter and the customer what was done. The types of
answers and of the customer contact live with the insight, which shows them."""

import uuid
from datetime import datetime

import strawberry

from app.gql.arguments import CLIENT_ID, given
from app.gql.context import Info
from app.gql.fields import mutation
from app.gql.ids import optional_uuid_of, uuid_of
from app.insights.gql_types import Communication, CustomerContact, Insight
from app.loop import followup
from app.loop import service as loop_service
from app.loop.schemas import Audience, CommunicationCreate, CustomerLoopUpdate


@strawberry.input
class TellReporterInput:
    insight_id: strawberry.ID
    message: str
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)
    audience: Audience | None = strawberry.UNSET

    def to_model(self) -> CommunicationCreate:
        return CommunicationCreate.model_validate(
            given(id=self.client_id, message=self.message, audience=self.audience)
        )


@strawberry.input
class AcknowledgeCommunicationInput:
    id: strawberry.ID


@strawberry.input
class MarkCommunicationDeliveredInput:
    id: strawberry.ID


@strawberry.input
class EraseCustomerContactInput:
    insight_id: strawberry.ID


@strawberry.input
class UpdateCustomerLoopInput:
    insight_id: strawberry.ID
    owner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A manager of the insight."
    )
    due_at: datetime | None = strawberry.UNSET

    def to_model(self) -> CustomerLoopUpdate:
        return CustomerLoopUpdate.model_validate(
            given(owner_id=optional_uuid_of("Person", self.owner_id), due_at=self.due_at)
        )


@strawberry.type
class TellReporterPayload:
    communication: Communication


@strawberry.type
class AcknowledgeCommunicationPayload:
    communication: Communication


@strawberry.type
class MarkCommunicationDeliveredPayload:
    communication: Communication


@strawberry.type
class EraseCustomerContactPayload:
    insight: Insight


@strawberry.type
class UpdateCustomerLoopPayload:
    customer_contact: CustomerContact


@strawberry.type
class LoopMutations:
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
        return TellReporterPayload(communication=Communication.from_pydantic(answer))

    @mutation("As the reporter, confirm you have read the answer.")
    async def acknowledge_communication(
        self, info: Info, input: AcknowledgeCommunicationInput
    ) -> AcknowledgeCommunicationPayload:
        answer = await info.context.write(
            loop_service.acknowledge_answer, uuid_of("Communication", input.id)
        )
        return AcknowledgeCommunicationPayload(communication=Communication.from_pydantic(answer))

    @mutation(
        "As a manager of the insight, mark a customer message that awaits a person delivered: "
        "you reached the customer (a phone call, or a message no channel could send)."
    )
    async def mark_communication_delivered(
        self, info: Info, input: MarkCommunicationDeliveredInput
    ) -> MarkCommunicationDeliveredPayload:
        answer = await info.context.write(
            loop_service.mark_delivered, uuid_of("Communication", input.id)
        )
        return MarkCommunicationDeliveredPayload(communication=Communication.from_pydantic(answer))

    @mutation("Erase the customer's name and address for good, on request; the insight stays.")
    async def erase_customer_contact(
        self, info: Info, input: EraseCustomerContactInput
    ) -> EraseCustomerContactPayload:
        insight_id = uuid_of("Insight", input.insight_id)
        await info.context.write(loop_service.erase_customer_contact, insight_id)
        insight = await info.context.read(followup.insight_detail, insight_id)
        return EraseCustomerContactPayload(insight=Insight.from_pydantic(insight))

    @mutation("Choose who tells the customer (a manager of the insight) and by when.")
    async def update_customer_loop(
        self, info: Info, input: UpdateCustomerLoopInput
    ) -> UpdateCustomerLoopPayload:
        contact = await info.context.write(
            loop_service.update_customer_loop,
            uuid_of("Insight", input.insight_id),
            input.to_model(),
        )
        return UpdateCustomerLoopPayload(customer_contact=CustomerContact.from_pydantic(contact))
