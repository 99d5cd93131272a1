"""The inputs of the insight's mutations and of its lists' filter. Each becomes the pydantic
schema the service takes, so both APIs validate the same way; ids arrive as global ids and
leave as uuids."""

import uuid
from datetime import datetime

import strawberry

from app.gql.arguments import CLIENT_ID, given
from app.gql.ids import optional_uuid_of, uuid_of, uuids_of
from app.insights.schemas import (
    AssignInput,
    BulkOperation,
    BulkTriageInput,
    CommentCreate,
    ContactChannel,
    CustomerContactCreate,
    DeclineInput,
    EndorsementCreate,
    InsightCreate,
    InsightFilters,
    InsightKind,
    InsightStatus,
    MergeInput,
    ResolveInput,
    Visibility,
)
from app.org.taxonomy import ImpactLevel


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
            given(
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
            given(
                id=self.client_id,
                kind=self.kind,
                text=self.text,
                language=self.language,
                journey_stage=self.journey_stage,
                touchpoint=self.touchpoint,
                customer_impact=self.customer_impact,
                customers_affected=self.customers_affected,
                occurred_at=self.occurred_at,
                unit_id=optional_uuid_of("Unit", self.unit_id),
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
            given(
                status=self.status,
                kind=self.kind,
                journey_stage=self.journey_stage,
                unit_id=optional_uuid_of("Unit", self.unit_id),
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
        return CommentCreate.model_validate(given(id=self.client_id, body=self.body))


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
            given(unit_id=uuid_of("Unit", self.unit_id), note=self.note)
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
            given(
                operation=self.operation,
                insight_ids=uuids_of("Insight", self.insight_ids),
                unit_id=optional_uuid_of("Unit", self.unit_id),
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
            given(id=self.client_id, unit_id=optional_uuid_of("Unit", self.unit_id), note=self.note)
        )


@strawberry.input
class MergeInsightsInput:
    parent_id: strawberry.ID = strawberry.field(description="The insight the others fold into.")
    insight_ids: list[strawberry.ID] = strawberry.field(description="The duplicates.")

    def to_model(self) -> MergeInput:
        return MergeInput(insight_ids=uuids_of("Insight", self.insight_ids))
