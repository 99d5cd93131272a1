"""GraphQL input types. Each becomes the pydantic schema the service takes, so both APIs
validate the same way; ids arrive as global ids and leave as uuids."""

import uuid
from typing import Any

import strawberry

from app.gql.ids import uuid_of
from app.insights.schemas import (
    EventType,
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
