"""Actions in GraphQL: what managers do about insights. The Action type itself lives with the
insight, which lists its actions."""

import uuid
from datetime import date

import strawberry

from app.actions import service as actions_service
from app.actions.schemas import ActionCreate, ActionLink, ActionStatus, ActionUpdate
from app.gql.arguments import CLIENT_ID, given
from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import optional_uuid_of, uuid_of, uuids_of
from app.gql.relay import found
from app.insights.gql_types import Action


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
            given(
                id=self.client_id,
                title=self.title,
                description=self.description,
                owner_id=optional_uuid_of("Person", self.owner_id),
                due_on=self.due_on,
                insight_ids=uuids_of("Insight", self.insight_ids),
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
            given(
                status=self.status,
                outcome=self.outcome,
                due_on=self.due_on,
                owner_id=optional_uuid_of("Person", self.owner_id),
            )
        )


@strawberry.input
class LinkActionInsightsInput:
    action_id: strawberry.ID
    insight_ids: list[strawberry.ID]

    def to_model(self) -> ActionLink:
        return ActionLink(insight_ids=uuids_of("Insight", self.insight_ids))


@strawberry.type
class CreateActionPayload:
    action: Action


@strawberry.type
class UpdateActionPayload:
    action: Action


@strawberry.type
class LinkActionInsightsPayload:
    action: Action


async def find_action(info: Info, key: uuid.UUID) -> Action | None:
    return await found(info.context.loaders.action.load(key), Action.from_pydantic)


@strawberry.type
class ActionQueries:
    @field("An action; null when it is missing or out of your reach.")
    async def action(self, info: Info, id: strawberry.ID) -> Action | None:
        return await find_action(info, uuid_of("Action", id))


@strawberry.type
class ActionMutations:
    @mutation("Record an action on one or more insights you manage.")
    async def create_action(self, info: Info, input: CreateActionInput) -> CreateActionPayload:
        action = await info.context.write(actions_service.create_action, input.to_model())
        return CreateActionPayload(action=Action.from_pydantic(action))

    @mutation("Change status, outcome, due date or owner. Marking it done needs an outcome.")
    async def update_action(self, info: Info, input: UpdateActionInput) -> UpdateActionPayload:
        action = await info.context.write(
            actions_service.update_action, uuid_of("Action", input.id), input.to_model()
        )
        return UpdateActionPayload(action=Action.from_pydantic(action))

    @strawberry.mutation
    async def link_action_insights(
        self, info: Info, input: LinkActionInsightsInput
    ) -> LinkActionInsightsPayload:
        action = await info.context.write(
            actions_service.link_insights, uuid_of("Action", input.action_id), input.to_model()
        )
        return LinkActionInsightsPayload(action=Action.from_pydantic(action))
