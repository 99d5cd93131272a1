"""GraphQL input types. Each becomes the pydantic schema the service takes, so both APIs
validate the same way; ids arrive as global ids and leave as uuids."""

import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from app.actions.schemas import ActionCreate, ActionLink, ActionStatus, ActionUpdate
from app.gql.ids import uuid_of
from app.insights.schemas import (
    AssignInput,
    BulkOperation,
    BulkTriageInput,
    CommentCreate,
    DeclineInput,
    EndorsementCreate,
    EventType,
    ImpactLevel,
    InsightCreate,
    InsightFilters,
    InsightKind,
    InsightStatus,
    MergeInput,
    ResolveInput,
    Visibility,
)
from app.loop.schemas import (
    Audience,
    CommunicationCreate,
    ContactChannel,
    CustomerContactCreate,
    CustomerLoopUpdate,
)
from app.webhooks.schemas import WebhookCreate, WebhookUpdate

CLIENT_ID = "Client-generated id: a retry with the same id returns the stored object."


def _given(**fields: Any) -> dict[str, Any]:
    """The fields the client sent: left out, the pydantic default applies."""
    return {name: value for name, value in fields.items() if value is not strawberry.UNSET}


def _uuid_of(type_name: str, value: strawberry.ID | None) -> uuid.UUID | None:
    # UNSET and null pass through, for `_given` and pydantic to judge.
    if value is None or value is strawberry.UNSET:
        return value
    return uuid_of(type_name, value)


def _uuids_of(type_name: str, values: list[strawberry.ID]) -> list[uuid.UUID]:
    return [uuid_of(type_name, value) for value in values]


def expected(version: int | None) -> int | None:
    return None if version is strawberry.UNSET else version


@strawberry.input(description="How to tell the customer what happened, given with their consent.")
class CustomerContactInput:
    name: str
    channel: ContactChannel
    address: str = strawberry.field(description="An e-mail address, or a phone number.")
    consent: bool = strawberry.field(
        description="The customer agreed to be contacted: must be true."
    )
    consent_text: str | None = strawberry.field(
        default=strawberry.UNSET, description="The wording the customer agreed to."
    )

    def to_model(self) -> CustomerContactCreate:
        return CustomerContactCreate.model_validate(
            _given(
                name=self.name,
                channel=self.channel,
                address=self.address,
                consent=self.consent,
                consent_text=self.consent_text,
            )
        )


@strawberry.input
class PostInsightInput:
    kind: InsightKind
    text: str
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 639-1 code; detected from the text if left out."
    )
    journey_stage: str | None = strawberry.UNSET
    touchpoint: str | None = strawberry.UNSET
    customer_impact: ImpactLevel | None = strawberry.UNSET
    customers_affected: int | None = strawberry.UNSET
    occurred_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it happened; defaults to the time of posting."
    )
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Where it happened; defaults to your home unit."
    )
    visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET,
        description="CONFIDENTIAL hides you from everyone else, yet you can still be answered.",
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Short labels such as `logistics`."
    )
    customer_contact: CustomerContactInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Personal data: it can be erased later while the insight stays.",
    )

    def to_model(self) -> InsightCreate:
        return InsightCreate.model_validate(
            _given(
                id=self.client_id,
                kind=self.kind,
                text=self.text,
                language=self.language,
                journey_stage=self.journey_stage,
                touchpoint=self.touchpoint,
                customer_impact=self.customer_impact,
                customers_affected=self.customers_affected,
                occurred_at=self.occurred_at,
                unit_id=_uuid_of("Unit", self.unit_id),
                visibility=self.visibility,
                tags=self.tags,
                customer_contact=(
                    self.customer_contact.to_model()
                    if isinstance(self.customer_contact, CustomerContactInput)
                    else self.customer_contact
                ),
            )
        )


@strawberry.input
class InsightFilter:
    status: list[InsightStatus] | None = strawberry.UNSET
    kind: list[InsightKind] | None = strawberry.UNSET
    journey_stage: list[str] | None = strawberry.UNSET
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Only this unit's subtree."
    )
    q: str | None = strawberry.field(
        default=strawberry.UNSET, description="Text search, Finnish or English."
    )

    def to_model(self) -> InsightFilters:
        return InsightFilters.model_validate(
            _given(
                status=self.status,
                kind=self.kind,
                journey_stage=self.journey_stage,
                unit_id=_uuid_of("Unit", self.unit_id),
                q=self.q,
            )
        )


@strawberry.input
class AcknowledgeInsightInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Refuse with `version_mismatch` unless the insight is at this version.",
    )


@strawberry.input
class StartInsightInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET


@strawberry.input
class ResolveInsightInput:
    id: strawberry.ID
    resolution: str = strawberry.field(description="What was done.")
    expected_version: int | None = strawberry.UNSET

    def to_model(self) -> ResolveInput:
        return ResolveInput(resolution=self.resolution)


@strawberry.input
class DeclineInsightInput:
    id: strawberry.ID
    reason: str = strawberry.field(description="Why nothing will be done.")
    expected_version: int | None = strawberry.UNSET

    def to_model(self) -> DeclineInput:
        return DeclineInput(reason=self.reason)


@strawberry.input
class AddCommentInput:
    insight_id: strawberry.ID
    body: str
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)

    def to_model(self) -> CommentCreate:
        return CommentCreate.model_validate(_given(id=self.client_id, body=self.body))


@strawberry.input
class CreateActionInput:
    title: str
    insight_ids: list[strawberry.ID] = strawberry.field(
        description="Insights you manage that the action answers."
    )
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)
    description: str | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A person's id; defaults to you."
    )
    due_on: date | None = strawberry.UNSET

    def to_model(self) -> ActionCreate:
        return ActionCreate.model_validate(
            _given(
                id=self.client_id,
                title=self.title,
                description=self.description,
                owner_id=_uuid_of("Person", self.owner_id),
                due_on=self.due_on,
                insight_ids=_uuids_of("Insight", self.insight_ids),
            )
        )


@strawberry.input(description="Only the fields sent change; null clears a field that may be empty.")
class UpdateActionInput:
    id: strawberry.ID
    status: ActionStatus | None = strawberry.field(
        default=strawberry.UNSET, description="DONE needs an outcome."
    )
    outcome: str | None = strawberry.UNSET
    due_on: date | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.UNSET

    def to_model(self) -> ActionUpdate:
        return ActionUpdate.model_validate(
            _given(
                status=self.status,
                outcome=self.outcome,
                due_on=self.due_on,
                owner_id=_uuid_of("Person", self.owner_id),
            )
        )


@strawberry.input
class LinkActionInsightsInput:
    action_id: strawberry.ID
    insight_ids: list[strawberry.ID]

    def to_model(self) -> ActionLink:
        return ActionLink(insight_ids=_uuids_of("Insight", self.insight_ids))


@strawberry.input
class TellReporterInput:
    insight_id: strawberry.ID
    message: str
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)
    audience: Audience | None = strawberry.UNSET

    def to_model(self) -> CommunicationCreate:
        return CommunicationCreate.model_validate(
            _given(id=self.client_id, message=self.message, audience=self.audience)
        )


@strawberry.input
class AcknowledgeCommunicationInput:
    id: strawberry.ID


@strawberry.input
class AssignInsightInput:
    id: strawberry.ID
    unit_id: strawberry.ID = strawberry.field(
        description="Its managers take it over (or those of the nearest unit above it)."
    )
    note: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Refuse with `version_mismatch` unless the insight is at this version.",
    )

    def to_model(self) -> AssignInput:
        return AssignInput.model_validate(
            _given(unit_id=uuid_of("Unit", self.unit_id), note=self.note)
        )


@strawberry.input(description="Acknowledge, assign or decline up to 100 insights at once.")
class TriageInsightsInput:
    operation: BulkOperation
    insight_ids: list[strawberry.ID]
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Where to assign them."
    )
    reason: str | None = strawberry.field(
        default=strawberry.UNSET, description="Why they are declined; a note when assigning."
    )

    def to_model(self) -> BulkTriageInput:
        return BulkTriageInput.model_validate(
            _given(
                operation=self.operation,
                insight_ids=_uuids_of("Insight", self.insight_ids),
                unit_id=_uuid_of("Unit", self.unit_id),
                reason=self.reason,
            )
        )


@strawberry.input
class EndorseInsightInput:
    insight_id: strawberry.ID
    client_id: uuid.UUID | None = strawberry.field(default=strawberry.UNSET, description=CLIENT_ID)
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Where you see it too; defaults to your home unit."
    )
    note: str | None = strawberry.UNSET

    def to_model(self) -> EndorsementCreate:
        return EndorsementCreate.model_validate(
            _given(id=self.client_id, unit_id=_uuid_of("Unit", self.unit_id), note=self.note)
        )


@strawberry.input
class MergeInsightsInput:
    parent_id: strawberry.ID = strawberry.field(description="The insight the others fold into.")
    insight_ids: list[strawberry.ID] = strawberry.field(description="The duplicates.")

    def to_model(self) -> MergeInput:
        return MergeInput(insight_ids=_uuids_of("Insight", self.insight_ids))


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
            _given(owner_id=_uuid_of("Person", self.owner_id), due_at=self.due_at)
        )


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
            _given(
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
            _given(
                url=self.url,
                description=self.description,
                event_types=self.event_types,
                active=self.active,
            )
        )


@strawberry.input
class WebhookIdInput:
    id: strawberry.ID
